import { useState } from "preact/hooks";
import { disconnectGmail, requestSyncNow, setMailboxSharing, startCalendarConnection } from "../../data/gmailApi";
import { syncProgressOf } from "../../data/syncProgress";
import type { MailboxCalendar, MailboxStatus, SharingLevel } from "../../data/types";
import { formatFullDateTime, formatRelativeTime } from "../../lib/relativeTime";
import { useAction } from "../../lib/useAction";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { ProgressBar } from "../ProgressBar";
import { DisconnectDialog } from "./DisconnectDialog";
import { SyncPreviewPanel } from "./SyncPreviewPanel";
import type { SyncPreview } from "../../data/syncPreviews";

const numberFormat = new Intl.NumberFormat();

const SHARING_LEVELS: { level: SharingLevel; label: string }[] = [
  { level: "everything", label: "Everything: subjects and message text" },
  { level: "subject", label: "Subjects and metadata" },
  { level: "metadata", label: "Metadata only: who, when, how often" },
];

interface MailboxCardProps {
  workspaceId: string;
  mailbox: MailboxStatus;
  /** The mailbox's first-sync preview, when the workspace asked for one. */
  preview: SyncPreview | null;
  /** Admins approve or discard a preview. */
  canDecide: boolean;
  /** Members may sync; disconnecting needs the mailbox's owner or an admin. */
  canSync: boolean;
  canDisconnect: boolean;
  /** Only the mailbox's owner chooses what teammates read of its mail. */
  canShare: boolean;
  now: number;
  onReconnect: () => void;
}

export function MailboxCard({ workspaceId, mailbox, preview, canDecide, canSync, canDisconnect, canShare, now, onReconnect }: MailboxCardProps) {
  const { auth } = useServices();
  const progress = syncProgressOf(mailbox);
  const { sync } = mailbox;
  const connected = mailbox.status === "connected";
  // A first sync awaiting approval stores its mail out of sight of the CRM.
  const held = preview !== null && (preview.state === "collecting" || preview.state === "ready");
  const [syncAction, syncNow] = useAction(async () => {
    await requestSyncNow(auth, workspaceId, mailbox.id);
    return "Sync requested: new mail shows up in a moment.";
  });
  const [confirming, setConfirming] = useState(false);
  const [disconnectAction, disconnect] = useAction(async (deleteData: boolean) => {
    await disconnectGmail(auth, workspaceId, mailbox.id, deleteData);
    return deleteData ? "Disconnected; its mail is being removed from the CRM." : "Disconnected.";
  });
  const [sharingAction, share] = useAction(async (level: SharingLevel) => {
    await setMailboxSharing(auth, workspaceId, mailbox.id, level);
    return "Sharing changed: it applies to mail already in the CRM too.";
  });
  // Google's consent for calendar.readonly on the same grant; only the mailbox's owner can give it.
  const [calendarAction, connectCalendar] = useAction(async () => {
    window.location.assign(await startCalendarConnection(auth, workspaceId, paths.settings(workspaceId)));
    return "Opening Google…";
  });
  const actionNote = [syncAction, disconnectAction, sharingAction, calendarAction].find(
    (action) => action.state === "done" || action.state === "failed",
  );
  const sharingLabel = SHARING_LEVELS.find((option) => option.level === mailbox.sharing)?.label ?? mailbox.sharing;

  return (
    <li
      class={`mailbox-card mailbox-card--${progress.phase}`}
      data-testid="mailbox-card"
      data-email={mailbox.email}
      data-status={mailbox.status}
      data-phase={progress.phase}
    >
      <div class="mailbox-card__head">
        <span class="mailbox-card__email">{mailbox.email}</span>
        <span class="pill" data-testid="mailbox-phase">
          {progress.label}
        </span>
      </div>

      {connected && (
        <ProgressBar fraction={progress.fraction} label={`${mailbox.email}: ${progress.label}`} testId="mailbox-progress" />
      )}

      <dl class="mailbox-card__counts">
        <SyncCount label="Found" value={sync.listed} name="listed" hint="Messages listed in Gmail" />
        <SyncCount label="Read" value={sync.fetched} name="fetched" hint="Messages read from Gmail" />
        {held ? (
          <SyncCount label="Held for approval" value={sync.stored} name="stored" hint="Messages kept out of the CRM until the preview is approved" />
        ) : (
          <SyncCount label="In the CRM" value={sync.stored} name="stored" hint="Messages stored as interactions" />
        )}
        {sync.duplicates > 0 && (
          <SyncCount label="Already there" value={sync.duplicates} name="duplicates" hint="Messages met twice, kept once" />
        )}
        {sync.failed > 0 && <SyncCount label="Failed" value={sync.failed} name="failed" hint="Messages that could not be read or stored, kept aside for review" />}
      </dl>

      <p class="mailbox-card__when">
        {sync.lastSuccessAt ? (
          <span title={formatFullDateTime(sync.lastSuccessAt)} data-testid="mailbox-last-success">
            Last synced {formatRelativeTime(sync.lastSuccessAt, now)}
          </span>
        ) : (
          <span>Not synced yet</span>
        )}
        {mailbox.connectedAt && <span> · connected {formatRelativeTime(mailbox.connectedAt, now)}</span>}
      </p>

      <label class="mailbox-card__sharing">
        <span>Teammates see</span>
        {canShare ? (
          <select
            data-testid="mailbox-sharing"
            value={mailbox.sharing}
            disabled={sharingAction.state === "pending"}
            onChange={(event) => void share((event.currentTarget as HTMLSelectElement).value as SharingLevel)}
          >
            {SHARING_LEVELS.map((option) => (
              <option key={option.level} value={option.level}>
                {option.label}
              </option>
            ))}
          </select>
        ) : (
          <span data-testid="mailbox-sharing-level">{sharingLabel}</span>
        )}
      </label>

      {connected && (
        <CalendarStatus
          calendar={mailbox.calendar}
          canConnect={canShare}
          busy={calendarAction.state === "pending" || calendarAction.state === "done"}
          now={now}
          onConnect={() => void connectCalendar()}
        />
      )}

      {preview && <SyncPreviewPanel workspaceId={workspaceId} preview={preview} canDecide={canDecide} now={now} />}

      {sync.lastError && (
        <p class="mailbox-card__error" role="alert" data-testid="mailbox-error">
          {sync.lastError}
        </p>
      )}

      <div class="mailbox-card__actions">
        {connected && canSync && (
          <button
            type="button"
            class="button"
            data-testid="sync-now"
            disabled={syncAction.state === "pending"}
            onClick={() => void syncNow()}
          >
            {syncAction.state === "pending" ? "Requesting…" : "Sync now"}
          </button>
        )}
        {connected && canDisconnect && (
          <button type="button" class="button button--quiet" data-testid="disconnect" onClick={() => setConfirming(true)}>
            Disconnect
          </button>
        )}
        {!connected && canSync && (
          <button type="button" class="button button--primary" data-testid="reconnect" onClick={onReconnect}>
            Reconnect Gmail
          </button>
        )}
        {actionNote && (
          <span
            class={`action-note action-note--${actionNote.state}`}
            role={actionNote.state === "failed" ? "alert" : "status"}
            data-testid="mailbox-action-note"
          >
            {actionNote.state === "done" || actionNote.state === "failed" ? actionNote.message : ""}
          </span>
        )}
      </div>

      {confirming && (
        <DisconnectDialog
          email={mailbox.email}
          busy={disconnectAction.state === "pending"}
          error={disconnectAction.state === "failed" ? disconnectAction.message : null}
          onCancel={() => setConfirming(false)}
          onConfirm={(deleteData) => void disconnect(deleteData).then((ok) => ok && setConfirming(false))}
        />
      )}
    </li>
  );
}

function SyncCount({ label, value, name, hint }: { label: string; value: number; name: string; hint: string }) {
  return (
    <div class="sync-stat" data-count={name} title={hint}>
      <dt>{label}</dt>
      <dd>{numberFormat.format(value)}</dd>
    </div>
  );
}

const CALENDAR_LABELS: Record<string, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  disconnected: "Disconnected",
};

interface CalendarStatusProps {
  calendar: MailboxCalendar | null;
  canConnect: boolean;
  busy: boolean;
  now: number;
  onConnect: () => void;
}

/** The owner's Google Calendar on this mailbox's grant: its state, and "Connect calendar" when it is not read. */
function CalendarStatus({ calendar, canConnect, busy, now, onConnect }: CalendarStatusProps) {
  const status = calendar?.status ?? "not_connected";
  return (
    <div class="mailbox-card__calendar" data-testid="mailbox-calendar" data-calendar-status={status}>
      <span>
        Google Calendar: <strong>{CALENDAR_LABELS[status] ?? "Not connected"}</strong>
        {calendar?.lastSyncAt && (
          <span title={formatFullDateTime(calendar.lastSyncAt)}>
            {" "}
            · synced {formatRelativeTime(calendar.lastSyncAt, now)} · {numberFormat.format(calendar.eventsSynced)} events read
          </span>
        )}
      </span>
      {status === "disconnected" && calendar?.lastError && (
        <p class="mailbox-card__error" role="alert" data-testid="calendar-error">
          {calendar.lastError}
        </p>
      )}
      {canConnect && (status === "not_connected" || status === "disconnected") && (
        <button type="button" class="button" data-testid="connect-calendar" disabled={busy} onClick={onConnect}>
          {status === "disconnected" ? "Reconnect calendar" : "Connect calendar"}
        </button>
      )}
    </div>
  );
}
