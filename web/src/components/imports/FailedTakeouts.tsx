import { useState } from "preact/hooks";
import { settleFailedTakeout, subscribeToFailedTakeouts, type FailedTakeout } from "../../data/imports";
import { describeWorkspaceFailure } from "../../data/errors";
import { hasRole } from "../../data/roles";
import type { WorkspaceRole } from "../../data/types";
import { useLiveData } from "../../data/useLiveData";
import { describeApiError } from "../../lib/api";
import { useNow } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { When } from "../records/RecordParts";

/**
 * Takeout imports that stopped after failing again and again, with why; whoever started one (or an
 * admin) retries it, from where it stopped, or dismisses it. Nothing is shown while none failed.
 */
export function FailedTakeouts({ workspaceId, role }: { workspaceId: string; role: WorkspaceRole | null }) {
  const { db } = useServices();
  const failed = useLiveData<FailedTakeout[]>((onData, onError) => subscribeToFailedTakeouts(db, workspaceId, onData, onError), [db, workspaceId]);
  if (failed.state === "loading" || (failed.state === "ready" && failed.data.length === 0)) return null;
  return (
    <section class="card" aria-labelledby="failed-takeouts-heading" data-testid="failed-takeouts">
      <h2 id="failed-takeouts-heading" class="card__title">
        Takeout imports that failed
      </h2>
      {failed.state === "error" ? (
        <p class="form-error" role="alert">
          {describeWorkspaceFailure(failed.error).title}
        </p>
      ) : (
        <ul class="plain-list failed-takeouts">
          {failed.data.map((takeout) => (
            <FailedTakeoutItem key={takeout.id} workspaceId={workspaceId} role={role} takeout={takeout} />
          ))}
        </ul>
      )}
    </section>
  );
}

function FailedTakeoutItem({ workspaceId, role, takeout }: { workspaceId: string; role: WorkspaceRole | null; takeout: FailedTakeout }) {
  const { auth } = useServices();
  const now = useNow(60_000);
  const [busy, setBusy] = useState<"retry" | "dismiss" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const mayAct = takeout.createdBy === auth.currentUser?.uid || hasRole(role, "admin");

  async function settle(action: "retry" | "dismiss") {
    setBusy(action);
    setError(null);
    try {
      await settleFailedTakeout(auth, workspaceId, takeout.id, action);
    } catch (failure) {
      setError(describeApiError(failure));
      setBusy(null);
    }
  }

  return (
    <li class="failed-takeouts__item" data-testid="failed-takeout" data-import-id={takeout.id}>
      <p>
        <strong>{takeout.fileName}</strong>{" "}
        <span class="muted">
          · failed <When date={takeout.failedAt} now={now} /> after {takeout.read} {takeout.read === 1 ? "message" : "messages"}
        </span>
      </p>
      <p class="form-error" data-testid="failed-takeout-reason">
        {takeout.reason}
      </p>
      {mayAct ? (
        <div class="button-row">
          <button type="button" class="button button--small button--primary" data-testid="failed-takeout-retry" disabled={busy !== null} onClick={() => void settle("retry")}>
            {busy === "retry" ? "Retrying…" : "Retry"}
          </button>
          <button type="button" class="button button--small button--quiet" data-testid="failed-takeout-dismiss" disabled={busy !== null} onClick={() => void settle("dismiss")}>
            {busy === "dismiss" ? "Dismissing…" : "Dismiss"}
          </button>
        </div>
      ) : (
        <p class="muted">Whoever started it, or an admin, can retry or dismiss it.</p>
      )}
      {error && (
        <p class="form-error" role="alert" data-testid="failed-takeout-error">
          {error}
        </p>
      )}
    </li>
  );
}
