import type { FirestoreFailure } from "./types";

export function toFirestoreFailure(error: unknown): FirestoreFailure {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === "string" ? code : "unknown",
    message: error instanceof Error ? error.message : String(error),
  };
}

/** A sentence for people, not a stack trace, for the failures a workspace view can meet. */
export function describeWorkspaceFailure(failure: FirestoreFailure): { title: string; detail: string } {
  switch (failure.code) {
    case "permission-denied":
      return {
        title: "You are not a member of this workspace",
        detail: "Ask one of its owners to invite you, or switch to a workspace you belong to.",
      };
    case "unavailable":
      return {
        title: "Rapport can't reach the server",
        detail: "Check your connection; the list reconnects by itself when the network is back.",
      };
    case "failed-precondition":
      return {
        title: "This view needs a database index that isn't deployed yet",
        detail: failure.message,
      };
    default:
      return { title: "Something went wrong loading this workspace", detail: failure.message };
  }
}
