import { render } from "preact";
import { App } from "./components/App";
import { AddonPreviewPage } from "./addonPreview/AddonPreviewPage";
import "./styles.css";

const root = document.getElementById("app");
if (!root) throw new Error("index.html lacks #app.");
// The Gmail sidebar's preview stands apart from the app: no sign-in, the local stack plays Gmail for it.
const addonPreview = window.location.pathname.replace(/\/$/, "") === "/addon-preview";
render(addonPreview ? <AddonPreviewPage /> : <App />, root);
