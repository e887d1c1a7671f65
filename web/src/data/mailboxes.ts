import { collection, onSnapshot, type Firestore, type Unsubscribe } from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import { asCount, asDate, asMap, asString } from "./parse";
import type { FirestoreFailure, MailboxCalendar, MailboxStatus, SharingLevel } from "./types";

/** A mailbox that never chose shares metadata only, as firestore.rules read it. */
function sharingLevelOf(value: unknown): SharingLevel {
  return value === "everything" || value === "subject" ? value : "metadata";
}

interface ProgressTotals {
  stored: number;
  duplicates: number;
}

const NO_PROGRESS: ProgressTotals = { stored: 0, duplicates: 0 };

/**
 * Ingestion counts into 16 shard documents under each mailbox (`progress/{shard}`), so that many
 * workers never write one hot document; this adds them up, live.
 */
function subscribeToProgress(
  db: Firestore,
  workspaceId: string,
  mailboxId: string,
  onTotals: (totals: ProgressTotals) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    collection(db, "workspaces", workspaceId, "mailboxes", mailboxId, "progress"),
    (snapshot) => {
      const totals = { ...NO_PROGRESS };
      for (const shard of snapshot.docs) {
        const data = shard.data();
        totals.stored += asCount(data.stored);
        totals.duplicates += asCount(data.duplicates);
      }
      onTotals(totals);
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}

/** The workspace's connected Gmail mailboxes and how far each one's sync has got, kept live. */
export function subscribeToMailboxes(
  db: Firestore,
  workspaceId: string,
  onMailboxes: (mailboxes: MailboxStatus[]) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  let latest: MailboxStatus[] = [];
  const totals = new Map<string, ProgressTotals>();
  const progressListeners = new Map<string, Unsubscribe>();

  const publish = () =>
    onMailboxes(
      latest.map((mailbox) => ({
        ...mailbox,
        sync: { ...mailbox.sync, ...(totals.get(mailbox.id) ?? NO_PROGRESS) },
      })),
    );

  const followProgress = (ids: string[]) => {
    for (const [id, unsubscribe] of progressListeners) {
      if (!ids.includes(id)) {
        unsubscribe();
        progressListeners.delete(id);
        totals.delete(id);
      }
    }
    for (const id of ids) {
      if (!progressListeners.has(id)) {
        const onTotals = (value: ProgressTotals) => {
          totals.set(id, value);
          publish();
        };
        progressListeners.set(id, subscribeToProgress(db, workspaceId, id, onTotals, onError));
      }
    }
  };

  const unsubscribeMailboxes = onSnapshot(
    collection(db, "workspaces", workspaceId, "mailboxes"),
    (snapshot) => {
      latest = snapshot.docs.map((mailboxDoc): MailboxStatus => {
        const data = mailboxDoc.data();
        const sync = asMap(data.sync);
        return {
          id: mailboxDoc.id,
          email: asString(data.email) ?? mailboxDoc.id,
          status: asString(data.status) ?? "unknown",
          ownerUid: asString(data.ownerUid),
          connectedAt: asDate(data.connectedAt),
          sharing: sharingLevelOf(data.sharing),
          sync: {
            stage: asString(sync.stage),
            listed: asCount(sync.listed),
            fetched: asCount(sync.fetched),
            stored: 0,
            failed: asCount(sync.failed),
            duplicates: 0,
            lastSuccessAt: asDate(sync.lastSuccessAt),
            lastError: asString(sync.lastError),
            backfillRunId: asString(sync.backfillRunId),
          },
          calendar: calendarOf(data.calendar),
        };
      });
      latest.sort((a, b) => a.email.localeCompare(b.email));
      followProgress(latest.map((mailbox) => mailbox.id));
      publish();
    },
    (error) => onError(toFirestoreFailure(error)),
  );

  return () => {
    unsubscribeMailboxes();
    for (const unsubscribe of progressListeners.values()) unsubscribe();
    progressListeners.clear();
  };
}

function calendarOf(value: unknown): MailboxCalendar | null {
  const calendar = asMap(value);
  const status = asString(calendar.status);
  if (status === null) return null;
  return {
    status,
    lastSyncAt: asDate(calendar.lastSyncAt),
    lastError: asString(calendar.lastError),
    eventsSynced: asCount(calendar.eventsSynced),
  };
}
