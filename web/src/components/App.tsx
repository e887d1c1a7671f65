import { useEffect, useState } from "preact/hooks";
import { onAuthStateChanged, type User } from "firebase/auth";
import { loadFirebaseServices, type FirebaseServices } from "../lib/firebase";
import { customTokenFromUrl, describeAuthError, signInWithTokenFromUrl } from "../lib/auth";
import { ServicesContext, useServices } from "../lib/services";
import { SignInScreen } from "./SignInScreen";
import { SignedInApp } from "./SignedInApp";
import { FullPageMessage } from "./FullPageMessage";

type Startup = { state: "loading" } | { state: "ready"; services: FirebaseServices } | { state: "failed"; message: string };

export function App() {
  const [startup, setStartup] = useState<Startup>({ state: "loading" });
  useEffect(() => {
    loadFirebaseServices().then(
      (services) => setStartup({ state: "ready", services }),
      (error: unknown) => setStartup({ state: "failed", message: error instanceof Error ? error.message : String(error) }),
    );
  }, []);

  if (startup.state === "loading") return <FullPageMessage busy title="Starting Rapport…" />;
  if (startup.state === "failed") return <FullPageMessage tone="error" title="Rapport could not start" detail={startup.message} />;
  return (
    <ServicesContext.Provider value={startup.services}>
      <AuthGate />
    </ServicesContext.Provider>
  );
}

/** `undefined` until Firebase Auth has restored (or not) the previous session. */
type AuthState = User | null | undefined;

// Development builds only (`npm run dev`, the local stack's build): a `?customToken=` link signs in, as
// the demo link and the browser tests do. Vite replaces MODE at build time, so a production bundle holds
// neither this path nor the custom-token sign-in it calls.
const customTokenLinks = import.meta.env.MODE === "development";

function AuthGate() {
  const { auth } = useServices();
  const [user, setUser] = useState<AuthState>(undefined);
  // A `?customToken=` link signs in before anything else is shown, replacing any earlier session.
  const [pendingToken, setPendingToken] = useState<string | null>(() => (customTokenLinks ? customTokenFromUrl() : null));
  const [signInError, setSignInError] = useState<string | null>(null);

  useEffect(() => onAuthStateChanged(auth, setUser), [auth]);

  useEffect(() => {
    if (!customTokenLinks || !pendingToken) return;
    signInWithTokenFromUrl(auth, pendingToken)
      .catch((error: unknown) => setSignInError(describeAuthError(error)))
      .finally(() => setPendingToken(null));
  }, [auth, pendingToken]);

  if (pendingToken || user === undefined) return <FullPageMessage busy title="Signing you in…" />;
  if (!user) return <SignInScreen initialError={signInError} />;
  return <SignedInApp user={user} />;
}
