import { doc, onSnapshot, type Firestore, type Unsubscribe } from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import { asMap, asString } from "./parse";
import { isRole } from "./roles";
import type { FirestoreFailure, UserProfile, WorkspaceRole } from "./types";

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
        if (isRole(role)) workspaces[workspaceId] = role;
      }
      onProfile({ uid, email: asString(data.email), displayName: asString(data.displayName), workspaces });
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}
