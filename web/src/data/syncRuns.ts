import { collection, limit, onSnapshot, orderBy, query, type Firestore, type Unsubscribe } from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import { asCount, asDate, asString } from "./parse";
import type { FirestoreFailure, SyncRun } from "./types";

/** The audit trail is long-lived; the settings page shows the latest runs. */
const RECENT_RUNS = 25;

/** The workspace's most recent sync runs, newest first, kept live. */
export function subscribeToSyncRuns(
  db: Firestore,
  workspaceId: string,
  onRuns: (runs: SyncRun[]) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  const runs = query(collection(db, "workspaces", workspaceId, "syncRuns"), orderBy("startedAt", "desc"), limit(RECENT_RUNS));
  return onSnapshot(
    runs,
    (snapshot) =>
      onRuns(
        snapshot.docs.map((runDoc): SyncRun => {
          const data = runDoc.data();
          return {
            id: runDoc.id,
            mailboxId: asString(data.mailboxId),
            kind: asString(data.kind) ?? "sync",
            state: asString(data.state) ?? "running",
            startedAt: asDate(data.startedAt),
            finishedAt: asDate(data.finishedAt),
            listed: asCount(data.listed),
            fetched: asCount(data.fetched),
          };
        }),
      ),
    (error) => onError(toFirestoreFailure(error)),
  );
}
