import type { MailboxStatus } from "./types";

/**
 * Where a mailbox's sync stands, in the words and numbers the UI shows.
 *
 * Counters on `mailboxes/{id}.sync` only grow: `listed` counts message ids found, `fetched` those
 * read from Gmail and handed to ingestion, `stored` + `duplicates` those ingestion settled. So a
 * backfill's progress is fetched / listed, then the store catches up with what was fetched.
 */
export type SyncPhase = "queued" | "listing" | "fetching" | "storing" | "done" | "retrying" | "disconnected";

export interface SyncProgress {
  phase: SyncPhase;
  label: string;
  /** 0..1 while there is a known amount of work; null when there is none (idle) or it is unknown yet (listing). */
  fraction: number | null;
}

const LABELS: Record<SyncPhase, string> = {
  queued: "Waiting to start",
  listing: "Finding your mail",
  fetching: "Reading mail from Gmail",
  storing: "Adding to your CRM",
  done: "Up to date",
  retrying: "Having trouble — retrying",
  disconnected: "Disconnected",
};

export function syncProgressOf(mailbox: MailboxStatus): SyncProgress {
  const phase = phaseOf(mailbox);
  const { listed, fetched, stored, duplicates } = mailbox.sync;
  const fractions: Partial<Record<SyncPhase, number>> = {
    fetching: listed > 0 ? fetched / listed : 0,
    storing: fetched > 0 ? (stored + duplicates) / fetched : 0,
    done: 1,
  };
  const fraction = fractions[phase];
  return { phase, label: LABELS[phase], fraction: fraction === undefined ? null : Math.min(1, fraction) };
}

function phaseOf(mailbox: MailboxStatus): SyncPhase {
  if (mailbox.status !== "connected") return "disconnected";
  const { stage, fetched, stored, duplicates } = mailbox.sync;
  if (stage === "retrying") return "retrying";
  if (stage === "listing") return "listing";
  if (stage === "fetching" || mailbox.sync.backfillRunId) return "fetching";
  if (stage === "idle") return stored + duplicates >= fetched ? "done" : "storing";
  return "queued";
}
