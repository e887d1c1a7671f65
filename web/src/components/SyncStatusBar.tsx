import { subscribeToMailboxes } from "../data/mailboxes";
import { syncProgressOf } from "../data/syncProgress";
import { useLiveData } from "../data/useLiveData";
import type { MailboxStatus } from "../data/types";
import { useNow } from "../lib/hooks";
import { formatFullDateTime, formatRelativeTime } from "../lib/relativeTime";
import { paths } from "../lib/router";
import { useServices } from "../lib/services";
import { Link } from "./Link";

const numberFormat = new Intl.NumberFormat();

/** Live progress of every Gmail mailbox syncing into this workspace. */
export function SyncStatusBar({ workspaceId }: { workspaceId: string }) {
  const { db } = useServices();
  const mailboxes = useLiveData<MailboxStatus[]>(
    (onData, onError) => subscribeToMailboxes(db, workspaceId, onData, onError),
    [db, workspaceId],
  );
  const now = useNow(30_000);

  let content;
  if (mailboxes.state === "loading") {
    content = <span class="sync-bar__muted">Checking Gmail sync…</span>;
  } else if (mailboxes.state === "error") {
    content = <span class="sync-bar__muted">Sync status unavailable</span>;
  } else if (mailboxes.data.length === 0) {
    content = (
      <span class="sync-bar__muted">
        No Gmail mailbox connected yet ·{" "}
        <Link href={paths.settings(workspaceId)} data-testid="sync-bar-connect">
          Connect Gmail
        </Link>
      </span>
    );
  } else {
    content = (
      <ul class="sync-bar__list">
        {mailboxes.data.map((mailbox) => (
          <MailboxSyncItem key={mailbox.id} mailbox={mailbox} now={now} />
        ))}
      </ul>
    );
  }

  return (
    <section
      class="sync-bar"
      data-testid="sync-status"
      data-state={mailboxes.state}
      aria-label="Gmail sync status"
      aria-live="polite"
    >
      {content}
    </section>
  );
}

function MailboxSyncItem({ mailbox, now }: { mailbox: MailboxStatus; now: number }) {
  const { sync } = mailbox;
  const connected = mailbox.status === "connected";
  const health = !connected ? "disconnected" : sync.lastError ? "error" : "ok";
  const progress = syncProgressOf(mailbox);
  return (
    <li
      class={`sync-item sync-item--${health}`}
      data-testid="mailbox-sync"
      data-email={mailbox.email}
      data-status={mailbox.status}
      data-stage={sync.stage ?? ""}
      data-phase={progress.phase}
    >
      <span class="sync-item__dot" aria-hidden="true" />
      <span class="sync-item__email">{mailbox.email}</span>
      <span class="sync-item__stage">{connected ? progress.label : "Disconnected — reconnect Gmail"}</span>
      <span class="sync-item__counts">
        <Count label="listed" value={sync.listed} />
        <Count label="fetched" value={sync.fetched} />
        <Count label="stored" value={sync.stored} />
        {sync.failed > 0 && <Count label="failed" value={sync.failed} tone="error" />}
      </span>
      {progress.fraction !== null && progress.phase !== "done" && (
        <progress class="sync-item__progress" value={progress.fraction} max={1} aria-label={`${mailbox.email} sync progress`} />
      )}
      {sync.lastSuccessAt && !sync.lastError && (
        <span class="sync-item__when" title={formatFullDateTime(sync.lastSuccessAt)}>
          synced {formatRelativeTime(sync.lastSuccessAt, now)}
        </span>
      )}
      {sync.lastError && (
        <span class="sync-item__error" data-testid="mailbox-sync-error">
          {sync.lastError}
        </span>
      )}
    </li>
  );
}

function Count({ label, value, tone }: { label: string; value: number; tone?: "error" }) {
  return (
    <span class={`sync-count${tone ? ` sync-count--${tone}` : ""}`} data-count={label}>
      <strong>{numberFormat.format(value)}</strong> {label}
    </span>
  );
}
