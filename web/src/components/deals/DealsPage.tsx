import { useEffect, useState } from "preact/hooks";
import { ApiError, describeApiError } from "../../lib/api";
import { useServices } from "../../lib/services";
import { describeWorkspaceFailure } from "../../data/errors";
import { hasRole } from "../../data/roles";
import type { WorkspaceRole } from "../../data/types";
import { useLiveData } from "../../data/useLiveData";
import { dealsApi, formatMoney, liveDeals, toDeal, totalsByCurrency, type Deal, type Pipeline, type Stage } from "../../data/deals";
import { StatePanel } from "../StatePanel";
import { DealLinks } from "./DealLinks";
import { NewDealForm } from "./NewDealForm";

const DRAG_TYPE = "application/x-rapport-deal";

/** A move the server refused because someone changed the deal first: what we wanted, and what is there now. */
interface Conflict {
  dealId: string;
  targetStage: string;
  current: Deal | null;
  message: string;
}

function stageName(stages: readonly Stage[], id: string): string {
  return stages.find((stage) => stage.id === id)?.name ?? id;
}

export function DealsPage({ workspaceId, role }: { workspaceId: string; role: WorkspaceRole | null }) {
  const { db, auth } = useServices();
  const deals = useLiveData<Deal[]>((onData, onError) => liveDeals.deals(db, workspaceId, onData, onError), [db, workspaceId]);
  const pipeline = useLiveData<Pipeline>((onData, onError) => liveDeals.pipeline(db, workspaceId, onData, onError), [db, workspaceId]);
  const canEdit = hasRole(role, "member");
  // Moves sent but not yet confirmed by the listener show in their new column straight away.
  const [pending, setPending] = useState<Record<string, string>>({});
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const [showForm, setShowForm] = useState(false);

  // A confirmed move stays shown where it went until the listener reports the deal there.
  useEffect(() => {
    if (deals.state !== "ready") return;
    setPending((moves) => {
      const left = Object.fromEntries(
        Object.entries(moves).filter(([id, stage]) => deals.data.some((deal) => deal.id === id && deal.stage !== stage)),
      );
      return Object.keys(left).length === Object.keys(moves).length ? moves : left;
    });
  }, [deals]);

  if (deals.state === "loading" || pipeline.state === "loading") return <StatePanel busy title="Loading deals…" />;
  if (deals.state === "error") return <StatePanel tone="error" {...describeWorkspaceFailure(deals.error)} />;
  if (pipeline.state === "error") return <StatePanel tone="error" {...describeWorkspaceFailure(pipeline.error)} />;

  const stages = pipeline.data.stages;
  const stageOf = (deal: Deal) => pending[deal.id] ?? deal.stage;
  const known = new Set(stages.map((stage) => stage.id));
  // Deals left in a stage an admin removed stay visible until someone moves them.
  const orphans = deals.data.filter((deal) => !known.has(stageOf(deal)));
  const columns: Stage[] = orphans.length > 0 ? [...stages, { id: "", name: "Not in the pipeline" }] : stages;
  const dealsIn = (stageId: string) =>
    deals.data
      .filter((deal) => (stageId === "" ? !known.has(stageOf(deal)) : stageOf(deal) === stageId))
      .sort((a, b) => b.value - a.value || a.name.localeCompare(b.name));

  async function move(deal: Deal, targetStage: string, version = deal.version) {
    if (!canEdit || !targetStage || targetStage === stageOf(deal)) return;
    setFailure(null);
    setConflict(null);
    setPending((moves) => ({ ...moves, [deal.id]: targetStage }));
    try {
      await dealsApi.move(auth, workspaceId, deal.id, targetStage, version);
    } catch (error) {
      setPending(({ [deal.id]: _failed, ...rest }) => rest);
      if (error instanceof ApiError && error.status === 409) {
        setConflict({
          dealId: deal.id,
          targetStage,
          current: error.current ? toDeal(deal.id, error.current) : null,
          message: error.message,
        });
      } else {
        setFailure(`Could not move “${deal.name}”: ${describeApiError(error)}`);
      }
    }
  }

  function dealById(id: string): Deal | undefined {
    return deals.state === "ready" ? deals.data.find((deal) => deal.id === id) : undefined;
  }

  function onDrop(event: DragEvent, stageId: string) {
    event.preventDefault();
    setDropTarget(null);
    const id = event.dataTransfer?.getData(DRAG_TYPE) || event.dataTransfer?.getData("text/plain");
    const deal = id ? dealById(id) : undefined;
    if (deal) void move(deal, stageId);
  }

  const conflictDeal = conflict ? dealById(conflict.dealId) : undefined;

  return (
    <main class="page page--wide" data-testid="deals-page" data-can-edit={canEdit ? "true" : "false"}>
      <header class="page__head deals__head">
        <h1 class="page__title">Deals</h1>
        {canEdit ? (
          <button type="button" class="button button--primary" data-testid="new-deal-toggle" onClick={() => setShowForm((open) => !open)}>
            {showForm ? "Close" : "New deal"}
          </button>
        ) : (
          <span class="pill" data-testid="deals-read-only">
            View only
          </span>
        )}
      </header>
      {canEdit && showForm && <NewDealForm workspaceId={workspaceId} stages={stages} onDone={() => setShowForm(false)} />}
      {failure && (
        <p class="form-error" role="alert" data-testid="deal-move-error">
          {failure}
        </p>
      )}
      {conflict && (
        <div class="deal-conflict" role="alert" data-testid="deal-conflict">
          <p>
            <strong>Someone changed this deal before your move.</strong> {conflict.message}
          </p>
          {conflict.current && (
            <dl class="deal-conflict__current" data-testid="deal-conflict-current">
              <div>
                <dt>Deal</dt>
                <dd>{conflict.current.name}</dd>
              </div>
              <div>
                <dt>Stage now</dt>
                <dd data-testid="deal-conflict-stage">{stageName(stages, conflict.current.stage)}</dd>
              </div>
              <div>
                <dt>Value</dt>
                <dd>{formatMoney(conflict.current.value, conflict.current.currency)}</dd>
              </div>
              <div>
                <dt>Expected close</dt>
                <dd>{conflict.current.expectedClose ?? "—"}</dd>
              </div>
            </dl>
          )}
          <div class="deal-conflict__actions">
            <button
              type="button"
              class="button button--primary button--small"
              data-testid="deal-conflict-retry"
              onClick={() => {
                const base = conflictDeal ?? conflict.current;
                const version = conflict.current?.version ?? base?.version;
                if (base && version !== undefined) void move({ ...base, stage: conflict.current?.stage ?? base.stage }, conflict.targetStage, version);
              }}
            >
              Move to {stageName(stages, conflict.targetStage)} anyway
            </button>
            <button type="button" class="button button--quiet button--small" data-testid="deal-conflict-dismiss" onClick={() => setConflict(null)}>
              Keep their change
            </button>
          </div>
        </div>
      )}
      {deals.data.length === 0 && (
        <p class="muted" data-testid="deals-empty">
          No deals yet.{canEdit ? " Add the first with “New deal”." : ""}
        </p>
      )}
      <div class="board" data-testid="deal-board">
        {columns.map((stage) => {
          const inStage = dealsIn(stage.id);
          const totals = totalsByCurrency(inStage);
          return (
            <section
              key={stage.id || "orphans"}
              class={`board__column${dropTarget === stage.id ? " board__column--target" : ""}`}
              data-testid="deal-column"
              data-stage={stage.id}
              aria-label={stage.name}
              onDragOver={
                canEdit && stage.id
                  ? (event) => {
                      event.preventDefault();
                      if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
                      if (dropTarget !== stage.id) setDropTarget(stage.id);
                    }
                  : undefined
              }
              onDragLeave={canEdit ? () => setDropTarget((current) => (current === stage.id ? null : current)) : undefined}
              onDrop={canEdit && stage.id ? (event) => onDrop(event, stage.id) : undefined}
            >
              <header class="board__column-head">
                <h2 class="board__column-title">
                  {stage.name} <span class="muted">· {inStage.length}</span>
                </h2>
                <p class="board__total" data-testid="deal-column-total" data-stage={stage.id}>
                  {totals.length === 0 ? formatMoney(0, "USD") : totals.map((entry) => formatMoney(entry.total, entry.currency)).join(" + ")}
                </p>
              </header>
              <ul class="board__cards">
                {inStage.map((deal) => (
                  <DealCard
                    key={deal.id}
                    workspaceId={workspaceId}
                    deal={deal}
                    stage={stageOf(deal)}
                    stages={stages}
                    canEdit={canEdit}
                    moving={deal.id in pending}
                    onMove={(target) => void move(deal, target)}
                  />
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </main>
  );
}

interface DealCardProps {
  workspaceId: string;
  deal: Deal;
  stage: string;
  stages: readonly Stage[];
  canEdit: boolean;
  moving: boolean;
  onMove: (stage: string) => void;
}

function DealCard({ workspaceId, deal, stage, stages, canEdit, moving, onMove }: DealCardProps) {
  const [dragging, setDragging] = useState(false);
  return (
    <li
      class={`deal-card${dragging ? " deal-card--dragging" : ""}${moving ? " deal-card--moving" : ""}`}
      data-testid="deal-card"
      data-deal-id={deal.id}
      data-stage={stage}
      draggable={canEdit}
      onDragStart={
        canEdit
          ? (event) => {
              event.dataTransfer?.setData(DRAG_TYPE, deal.id);
              event.dataTransfer?.setData("text/plain", deal.id);
              if (event.dataTransfer) event.dataTransfer.effectAllowed = "move";
              setDragging(true);
            }
          : undefined
      }
      onDragEnd={canEdit ? () => setDragging(false) : undefined}
    >
      <div class="deal-card__top">
        {canEdit && (
          <span class="deal-card__handle" data-testid="deal-drag-handle" aria-hidden="true" title="Drag to another stage">
            ⠿
          </span>
        )}
        <span class="deal-card__name" data-testid="deal-name">
          {deal.name}
        </span>
      </div>
      <p class="deal-card__value" data-testid="deal-value">
        {formatMoney(deal.value, deal.currency)}
      </p>
      <p class="deal-card__close muted" data-testid="deal-close">
        {deal.expectedClose ? `Closes ${deal.expectedClose}` : "No close date"}
      </p>
      <DealLinks workspaceId={workspaceId} deal={deal} canEdit={canEdit} />
      {canEdit && (
        <label class="deal-card__stage">
          <span class="visually-hidden">Stage of {deal.name}</span>
          <select
            data-testid="deal-stage-select"
            value={stages.some((entry) => entry.id === stage) ? stage : ""}
            disabled={moving}
            onChange={(event) => onMove(event.currentTarget.value)}
          >
            {!stages.some((entry) => entry.id === stage) && <option value="">Choose a stage…</option>}
            {stages.map((entry) => (
              <option key={entry.id} value={entry.id}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
      )}
    </li>
  );
}
