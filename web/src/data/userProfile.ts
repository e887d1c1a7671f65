import { doc, onSnapshot, type Firestore, type Unsubscribe } from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import { asMap, asString } from "./parse";
import type { FirestoreFailure, UserProfile, WorkspaceRole } from "./types";

const ROLES: ReadonlySet<string> = new Set(["owner", "admin", "member", "viewer"]);

/** Live, so a new invitation or a removal shows without a reload. `null` when no document exists yet. */
export function subscribeToUserProfile(
  db: Firestore,
  uid: string,
  onProfile: (profile: UserProfile | null) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    doc(db, "users", uid),
    (snapshot) => {
      if (!snapshot.exists()) {
        onProfile(null);
        return;
      }
      const data = snapshot.data();
      const workspaces: Record<string, WorkspaceRole> = {};
      for (const [workspaceId, role] of Object.entries(asMap(data.workspaces))) {
        if (typeof role === "string" && ROLES.has(role)) workspaces[workspaceId] = role as WorkspaceRole;
      }
      onProfile({ uid, email: asString(data.email), displayName: asString(data.displayName), workspaces });
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}
