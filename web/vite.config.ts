import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vite";

/**
 * `npm run dev` has no Firebase Hosting in front of it, so it answers `/__/firebase/init.json`
 * itself from RAPPORT_INIT_JSON (inline JSON or a path to a JSON file), as the local stack does.
 */
function firebaseInitJson(): Plugin {
  return {
    name: "rapport-firebase-init-json",
    configureServer(server) {
      server.middlewares.use("/__/firebase/init.json", (_request, response) => {
        const source = process.env.RAPPORT_INIT_JSON?.trim();
        if (!source) {
          response.statusCode = 404;
          response.end("Set RAPPORT_INIT_JSON to the Firebase web config (JSON or a file path).");
          return;
        }
        const body = source.startsWith("{") ? source : readFileSync(source, "utf-8");
        response.setHeader("Content-Type", "application/json");
        response.setHeader("Cache-Control", "no-store");
        response.end(body);
      });
    },
  };
}

export default defineConfig({
  plugins: [firebaseInitJson()],
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // The Firebase SDK is most of the bytes and changes far less often than the app: its own
    // chunk stays cached across app deploys.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [{ name: "firebase", test: /node_modules[\\/](@firebase|firebase)[\\/]/ }],
        },
      },
    },
  },
});
