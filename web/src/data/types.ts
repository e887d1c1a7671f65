/** What the views show, parsed from the documents described in docs/data-model.md. */

export type WorkspaceRole = "owner" | "admin" | "member" | "viewer";

export interface UserProfile {
  uid: string;
  email: string | null;
  displayName: string | null;
  /** workspaceId -> role */
  workspaces: Record<string, WorkspaceRole>;
}

export interface ContactRow {
  id: string;
  email: string;
  name: string | null;
  companyName: string | null;
  sentCount: number;
  receivedCount: number;
  lastInteractionAt: Date | null;
  /** 0–100 as of the last server refresh (decision 5); null before the first. */
  strengthScore: number | null;
  goingCold: boolean;
}

export interface MailboxSync {
  stage: string | null;
  listed: number;
  fetched: number;
  stored: number;
  failed: number;
  /** Messages met a second time (a redelivery, or both a backfill and a push): stored once, counted here. */
  duplicates: number;
  lastSuccessAt: Date | null;
  lastError: string | null;
  /** Set while a full sync's fetch tasks are still running. */
  backfillRunId: string | null;
}

export interface MailboxStatus {
  id: string;
  email: string;
  status: string;
  ownerUid: string | null;
  connectedAt: Date | null;
  /** What teammates read of its mail, chosen by its owner (shared/sharing.py). */
  sharing: SharingLevel;
  sync: MailboxSync;
  /** The owner's primary Google Calendar on the same grant (shared/calendar/state.py); null when never connected. */
  calendar: MailboxCalendar | null;
}

/** "connecting" (first sync queued), "connected", or "disconnected" (Google refused the grant; lastError says so). */
export interface MailboxCalendar {
  status: string;
  lastSyncAt: Date | null;
  lastError: string | null;
  eventsSynced: number;
}

export type SharingLevel = "everything" | "subject" | "metadata";

/** One pass of a mailbox's sync: the audit trail under `workspaces/{ws}/syncRuns`. */
export interface SyncRun {
  id: string;
  mailboxId: string | null;
  /** "full" (backfill) or "incremental" (history since the cursor). */
  kind: string;
  /** "running", "done" or "undone". */
  state: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  listed: number;
  fetched: number;
}

/** The state of a live listener as a view sees it. */
export type LiveData<T> =
  | { state: "loading" }
  | { state: "ready"; data: T }
  | { state: "error"; error: FirestoreFailure };

export interface FirestoreFailure {
  code: string;
  message: string;
}
