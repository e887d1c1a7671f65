import {
  collection,
  deleteDoc,
  doc,
  onSnapshot,
  query,
  serverTimestamp,
  setDoc,
  where,
  type Firestore,
  type Unsubscribe,
} from "firebase/firestore";
import { asDate, asString } from "./parse";

/**
 * Who else has a record open: each viewer keeps `workspaces/{ws}/presence/{uid}` =
 * `{uid, name, recordKey, at}` fresh while the record is on screen and deletes it on leaving.
 * A browser that vanished without deleting stops refreshing `at`, so readers drop it after STALE_MS.
 */
const HEARTBEAT_MS = 20_000;
export const STALE_MS = 60_000;

export interface Viewer {
  uid: string;
  name: string;
  at: Date;
}

export function announcePresence(db: Firestore, workspaceId: string, uid: string, name: string, recordKey: string): () => void {
  const mine = doc(db, "workspaces", workspaceId, "presence", uid);
  // Presence is a courtesy: a refused or offline write must never disturb the page.
  const write = () => void setDoc(mine, { uid, name, recordKey, at: serverTimestamp() }).catch(() => undefined);
  write();
  const timer = window.setInterval(write, HEARTBEAT_MS);
  return () => {
    window.clearInterval(timer);
    void deleteDoc(mine).catch(() => undefined);
  };
}

export function subscribeToViewers(
  db: Firestore,
  workspaceId: string,
  recordKey: string,
  exceptUid: string,
  onViewers: (viewers: Viewer[]) => void,
): Unsubscribe {
  const viewers = query(collection(db, "workspaces", workspaceId, "presence"), where("recordKey", "==", recordKey));
  return onSnapshot(
    viewers,
    (snapshot) =>
      onViewers(
        snapshot.docs.flatMap((entry): Viewer[] => {
          const data = entry.data({ serverTimestamps: "estimate" });
          const at = asDate(data.at);
          return entry.id !== exceptUid && at ? [{ uid: entry.id, name: asString(data.name) ?? "A teammate", at }] : [];
        }),
      ),
    () => onViewers([]),
  );
}
