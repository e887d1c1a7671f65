import {
  GoogleAuthProvider,
  signInWithCustomToken,
  signInWithPopup,
  signOut,
  type Auth,
} from "firebase/auth";

const CUSTOM_TOKEN_PARAM = "customToken";

export async function signInWithGoogle(auth: Auth): Promise<void> {
  const provider = new GoogleAuthProvider();
  provider.setCustomParameters({ prompt: "select_account" });
  await signInWithPopup(auth, provider);
}

export function signOutUser(auth: Auth): Promise<void> {
  return signOut(auth);
}

/** Reads `?customToken=` (the local demo link and browser tests sign in this way). */
export function customTokenFromUrl(): string | null {
  return new URLSearchParams(window.location.search).get(CUSTOM_TOKEN_PARAM);
}

/**
 * Signs in with the URL's custom token, then takes the token out of the address bar so it is
 * neither bookmarked, shared nor kept in history.
 */
export async function signInWithTokenFromUrl(auth: Auth, token: string): Promise<void> {
  try {
    await signInWithCustomToken(auth, token);
  } finally {
    const url = new URL(window.location.href);
    url.searchParams.delete(CUSTOM_TOKEN_PARAM);
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }
}

/** A sentence a person can act on, from a Firebase Auth error. */
export function describeAuthError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code ?? "";
  switch (code) {
    case "auth/popup-closed-by-user":
    case "auth/cancelled-popup-request":
      return "Sign-in was cancelled.";
    case "auth/popup-blocked":
      return "Your browser blocked the sign-in window. Allow pop-ups for this site and try again.";
    case "auth/invalid-custom-token":
    case "auth/custom-token-mismatch":
      return "This sign-in link is invalid or has expired.";
    case "auth/network-request-failed":
      return "Could not reach the sign-in service. Check your connection and try again.";
    default:
      return error instanceof Error ? error.message : "Sign-in failed.";
  }
}
