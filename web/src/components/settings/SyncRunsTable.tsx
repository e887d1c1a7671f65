import { undoSyncRun } from "../../data/gmailApi";
import { subscribeToSyncRuns } from "../../data/syncRuns";
import { useLiveData } from "../../data/useLiveData";
import type { MailboxStatus, SyncRun } from "../../data/types";
import { formatFullDateTime, formatRelativeTime } from "../../lib/relativeTime";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { StatePanel } from "../StatePanel";

const numberFormat = new Intl.NumberFormat();

const KIND_LABELS: Record<string, string> = { full: "Full sync", incremental: "New mail" };
const STATE_LABELS: Record<string, string> = { running: "Running", done: "Done", undone: "Undone", interrupted: "Interrupted" };
// A run cut short by a revoked grant brought in part of its mail; that part can be taken back out too.
const UNDOABLE = new Set(["done", "interrupted"]);

interface SyncRunsTableProps {
  workspaceId: string;
  mailboxes: readonly MailboxStatus[];
  canUndo: boolean;
  now: number;
}

/** The audit trail: every sync pass and what it brought in; admins can take a whole pass back out. */
export function SyncRunsTable({ workspaceId, mailboxes, canUndo, now }: SyncRunsTableProps) {
  const { db } = useServices();
  const runs = useLiveData<SyncRun[]>(
    (onData, onError) => subscribeToSyncRuns(db, workspaceId, onData, onError),
    [db, workspaceId],
  );
  const emailOf = (mailboxId: string | null) => mailboxes.find((mailbox) => mailbox.id === mailboxId)?.email ?? "—";

  if (runs.state === "loading") return <StatePanel busy title="Loading sync history…" />;
  if (runs.state === "error") return <StatePanel tone="error" title="Sync history is unavailable" detail={runs.error.message} />;
  if (runs.data.length === 0) return <p class="muted" data-testid="sync-runs-empty">No sync has run yet.</p>;
  return (
    <div class="table-scroll">
      <table class="data-table" data-testid="sync-runs">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Kind</th>
            <th scope="col" class="hide-narrow">Mailbox</th>
            <th scope="col">State</th>
            <th scope="col" class="numeric">Found</th>
            <th scope="col" class="numeric hide-narrow">Read</th>
            {canUndo && <th scope="col"><span class="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {runs.data.map((run) => (
            <SyncRunRow key={run.id} run={run} workspaceId={workspaceId} email={emailOf(run.mailboxId)} canUndo={canUndo} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface SyncRunRowProps {
  run: SyncRun;
  workspaceId: string;
  email: string;
  canUndo: boolean;
  now: number;
}

function SyncRunRow({ run, workspaceId, email, canUndo, now }: SyncRunRowProps) {
  const { auth } = useServices();
  const [undo, startUndo] = useAction(async () => {
    await undoSyncRun(auth, workspaceId, run.id);
    return "Undoing…";
  });
  // The run's own state says when the undo has happened; until then the row says it is under way.
  const undoing = UNDOABLE.has(run.state) && (undo.state === "pending" || undo.state === "done");
  return (
    <tr data-testid="sync-run" data-run-id={run.id} data-state={run.state} data-kind={run.kind}>
      <td>
        {run.startedAt ? (
          <time dateTime={run.startedAt.toISOString()} title={formatFullDateTime(run.startedAt)}>
            {formatRelativeTime(run.startedAt, now)}
          </time>
        ) : (
          "—"
        )}
      </td>
      <td>{KIND_LABELS[run.kind] ?? run.kind}</td>
      <td class="hide-narrow ellipsis">{email}</td>
      <td>
        <span class={`pill pill--${run.state}`}>{undoing ? "Undoing…" : (STATE_LABELS[run.state] ?? run.state)}</span>
      </td>
      <td class="numeric">{numberFormat.format(run.listed)}</td>
      <td class="numeric hide-narrow">{numberFormat.format(run.fetched)}</td>
      {canUndo && (
        <td class="actions">
          {UNDOABLE.has(run.state) && (
            <button
              type="button"
              class="button button--small"
              data-testid="undo-sync-run"
              disabled={undoing}
              title="Take everything this sync brought in back out of the CRM (hand-made changes stay)"
              onClick={() => void startUndo()}
            >
              Undo
            </button>
          )}
          {undo.state === "failed" && (
            <span class="action-note action-note--failed" role="alert">
              {undo.message}
            </span>
          )}
        </td>
      )}
    </tr>
  );
}
