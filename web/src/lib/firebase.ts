import { initializeApp, type FirebaseApp, type FirebaseOptions } from "firebase/app";
import { connectAuthEmulator, getAuth, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, setLogLevel, type Firestore } from "firebase/firestore";

/** Where the local stack's emulators listen; absent in production. */
export interface EmulatorEndpoints {
  firestore?: { host: string; port: number };
  auth?: { url: string };
}

/** The body of `/__/firebase/init.json`: the project's web config, plus emulators locally. */
export interface HostingInitConfig extends FirebaseOptions {
  emulators?: EmulatorEndpoints;
}

export interface FirebaseServices {
  app: FirebaseApp;
  auth: Auth;
  db: Firestore;
  usesEmulators: boolean;
}

// Firebase Hosting serves the project's web config here, so one build runs in every
// environment and nothing project-specific is baked into the bundle.
const INIT_CONFIG_PATH = "/__/firebase/init.json";

const FIRESTORE_DEBUG_KEY = "rapport.firestoreDebug";

export async function fetchInitConfig(): Promise<HostingInitConfig> {
  // The default cache mode, so the request index.html preloads is the one used (Hosting and the
  // local server answer it with no-store, so nothing stale is kept).
  const response = await fetch(INIT_CONFIG_PATH);
  if (!response.ok) {
    throw new Error(`Could not load the app configuration (${INIT_CONFIG_PATH} answered ${response.status}).`);
  }
  const config = (await response.json()) as HostingInitConfig;
  if (!config.projectId || !config.apiKey) {
    throw new Error(`The app configuration at ${INIT_CONFIG_PATH} lacks projectId or apiKey.`);
  }
  return config;
}

export function startFirebase(config: HostingInitConfig): FirebaseServices {
  const { emulators, ...options } = config;
  const app = initializeApp(options);
  const auth = getAuth(app);
  const db = getFirestore(app);
  // Emulators must be connected before the first request either service makes.
  if (emulators?.auth) {
    connectAuthEmulator(auth, emulators.auth.url, { disableWarnings: true });
  }
  if (emulators?.firestore) {
    connectFirestoreEmulator(db, emulators.firestore.host, emulators.firestore.port);
    // Tests and `bench web` count the documents every listener receives in the SDK's debug log
    // (tests/browser/reads.py); only ever against the emulator.
    if (window.localStorage.getItem(FIRESTORE_DEBUG_KEY) === "1") setLogLevel("debug");
  }
  return { app, auth, db, usesEmulators: Boolean(emulators?.auth || emulators?.firestore) };
}

export async function loadFirebaseServices(): Promise<FirebaseServices> {
  return startFirebase(await fetchInitConfig());
}
