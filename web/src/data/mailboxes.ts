import { collection, onSnapshot, type Firestore, type Unsubscribe } from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import { asCount, asDate, asMap, asString } from "./parse";
import type { FirestoreFailure, MailboxStatus } from "./types";

/** The workspace's connected Gmail mailboxes and how far each one's sync has got, kept live. */
export function subscribeToMailboxes(
  db: Firestore,
  workspaceId: string,
  onMailboxes: (mailboxes: MailboxStatus[]) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    collection(db, "workspaces", workspaceId, "mailboxes"),
    (snapshot) => {
      const mailboxes = snapshot.docs.map((mailboxDoc): MailboxStatus => {
        const data = mailboxDoc.data();
        const sync = asMap(data.sync);
        return {
          id: mailboxDoc.id,
          email: asString(data.email) ?? mailboxDoc.id,
          status: asString(data.status) ?? "unknown",
          ownerUid: asString(data.ownerUid),
          connectedAt: asDate(data.connectedAt),
          sync: {
            stage: asString(sync.stage),
            listed: asCount(sync.listed),
            fetched: asCount(sync.fetched),
            stored: asCount(sync.stored),
            failed: asCount(sync.failed),
            duplicates: asCount(sync.duplicates),
            lastSuccessAt: asDate(sync.lastSuccessAt),
            lastError: asString(sync.lastError),
            backfillRunId: asString(sync.backfillRunId),
          },
        };
      });
      mailboxes.sort((a, b) => a.email.localeCompare(b.email));
      onMailboxes(mailboxes);
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}
