import { useEffect, useMemo, useState } from "preact/hooks";
import { liveDeals, type Pipeline, type Stage } from "../../data/deals";
import { describeWorkspaceFailure } from "../../data/errors";
import { useLiveData } from "../../data/useLiveData";
import { stageIdFor, workspaceAdmin } from "../../data/workspaceAdmin";
import { ApiError } from "../../lib/api";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { StatePanel } from "../StatePanel";
import { ActionNote } from "./ActionNote";

interface PipelineStagesCardProps {
  workspaceId: string;
  canEdit: boolean;
}

/**
 * The deal pipeline's stages: admins rename, reorder, add and remove them, then save all at once.
 * A removed stage asks where its deals go; the server moves them before the stages change.
 */
export function PipelineStagesCard({ workspaceId, canEdit }: PipelineStagesCardProps) {
  const { auth, db } = useServices();
  const pipeline = useLiveData<Pipeline>(
    (onData, onError) => liveDeals.pipeline(db, workspaceId, onData, onError),
    [db, workspaceId],
  );
  const saved = pipeline.state === "ready" ? pipeline.data : null;
  const [draft, setDraft] = useState<Stage[]>([]);
  const [moves, setMoves] = useState<Record<string, string>>({});
  const [newName, setNewName] = useState("");
  // A fresh copy of the stages whenever the saved pipeline changes (here or by another admin).
  useEffect(() => {
    if (saved) {
      setDraft(saved.stages.map((stage) => ({ ...stage })));
      setMoves({});
    }
  }, [saved?.version, saved === null]);

  const removed = useMemo(() => (saved ? saved.stages.filter((stage) => !draft.some((kept) => kept.id === stage.id)) : []), [saved, draft]);
  const target = (stageId: string) => moves[stageId] ?? draft[0]?.id ?? "";
  const dirty = saved !== null && JSON.stringify(saved.stages) !== JSON.stringify(draft);
  const invalid = draft.length === 0 || draft.some((stage) => !stage.name.trim());

  const [action, save] = useAction(async () => {
    if (!saved) return "";
    const plannedMoves = Object.fromEntries(removed.map((stage) => [stage.id, target(stage.id)]));
    const stages = draft.map((stage) => ({ id: stage.id, name: stage.name.trim() }));
    try {
      await workspaceAdmin.savePipeline(auth, workspaceId, stages, saved.version, plannedMoves);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        throw new ApiError(409, error.code, "Another admin changed the stages meanwhile: their version is shown; make your change again.");
      }
      throw error;
    }
    return removed.length ? "Saved. Deals in removed stages were moved." : "Saved.";
  });
  const busy = action.state === "pending";

  const update = (index: number, change: Partial<Stage>) => setDraft(draft.map((stage, at) => (at === index ? { ...stage, ...change } : stage)));
  const swap = (index: number, other: number) => {
    setDraft(draft.map((stage, at) => (at === index ? draft[other] : at === other ? draft[index] : stage) ?? stage));
  };
  const add = () => {
    const name = newName.trim();
    if (!name) return;
    const taken = new Set([...draft, ...(saved?.stages ?? [])].map((stage) => stage.id));
    setDraft([...draft, { id: stageIdFor(name, taken), name }]);
    setNewName("");
  };

  return (
    <section class="card" aria-labelledby="stages-heading" data-testid="pipeline-stages">
      <h2 id="stages-heading" class="card__title">
        Deal stages
      </h2>
      <p class="card__subtitle">
        The columns of the deals board, in order.{!canEdit && " Only admins can change them."}
      </p>
      {pipeline.state === "loading" && <StatePanel busy title="Loading the stages…" />}
      {pipeline.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(pipeline.error)} />}
      {saved && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (dirty && !invalid) void save();
          }}
        >
          <ol class="stages">
            {draft.map((stage, index) => (
              <li key={stage.id} class="stages__row" data-testid="stage-row" data-stage={stage.id}>
                <label class="visually-hidden" for={`stage-name-${stage.id}`}>
                  Stage {index + 1} name
                </label>
                <input
                  id={`stage-name-${stage.id}`}
                  class="text-input"
                  type="text"
                  maxLength={200}
                  value={stage.name}
                  disabled={!canEdit || busy}
                  data-testid="stage-name"
                  onInput={(event) => update(index, { name: event.currentTarget.value })}
                />
                {canEdit && (
                  <>
                    <button type="button" class="button button--quiet" aria-label={`Move ${stage.name} up`} disabled={busy || index === 0} onClick={() => swap(index, index - 1)}>
                      ↑
                    </button>
                    <button
                      type="button"
                      class="button button--quiet"
                      aria-label={`Move ${stage.name} down`}
                      data-testid="stage-down"
                      disabled={busy || index === draft.length - 1}
                      onClick={() => swap(index, index + 1)}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      class="button button--quiet"
                      aria-label={`Remove ${stage.name}`}
                      data-testid="stage-remove"
                      disabled={busy || draft.length === 1}
                      onClick={() => setDraft(draft.filter((_, at) => at !== index))}
                    >
                      Remove
                    </button>
                  </>
                )}
              </li>
            ))}
          </ol>
          {removed.length > 0 && (
            <fieldset class="policy__group" data-testid="stage-moves">
              <legend class="policy__legend">Deals in removed stages</legend>
              {removed.map((stage) => (
                <div key={stage.id} class="stages__row stages__row--removed">
                  <label class="inline-form__field inline-form__field--grow">
                    <span>
                      Deals in <span class="stages__name">{stage.name}</span> move to
                    </span>
                    <select
                      class="text-input"
                      data-testid="stage-move-target"
                      data-stage={stage.id}
                      value={target(stage.id)}
                      disabled={busy}
                      onChange={(event) => setMoves({ ...moves, [stage.id]: event.currentTarget.value })}
                    >
                      {draft.map((kept) => (
                        <option key={kept.id} value={kept.id}>
                          {kept.name || kept.id}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="button" class="button button--quiet" disabled={busy} onClick={() => setDraft([...draft, stage])}>
                    Keep {stage.name}
                  </button>
                </div>
              ))}
            </fieldset>
          )}
          {canEdit && (
            <div class="stages__actions">
              <label class="visually-hidden" for={`new-stage-${workspaceId}`}>
                New stage name
              </label>
              <input
                id={`new-stage-${workspaceId}`}
                class="text-input"
                type="text"
                maxLength={200}
                placeholder="New stage"
                value={newName}
                disabled={busy}
                data-testid="stage-new-name"
                onInput={(event) => setNewName(event.currentTarget.value)}
                onKeyDown={(event) => {
                  if (event.key === "Enter") {
                    event.preventDefault();
                    add();
                  }
                }}
              />
              <button type="button" class="button" data-testid="stage-add" disabled={busy || !newName.trim() || draft.length >= 30} onClick={add}>
                Add stage
              </button>
              <button type="submit" class="button button--primary" data-testid="stages-save" disabled={busy || !dirty || invalid}>
                {busy ? "Saving…" : "Save stages"}
              </button>
              {dirty && (
                <button
                  type="button"
                  class="button button--quiet"
                  disabled={busy}
                  onClick={() => {
                    setDraft(saved.stages.map((stage) => ({ ...stage })));
                    setMoves({});
                  }}
                >
                  Discard changes
                </button>
              )}
            </div>
          )}
          <ActionNote action={action} testId="stages" />
        </form>
      )}
    </section>
  );
}
