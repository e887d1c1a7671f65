import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, describeApiError } from "../../lib/api";
import { useServices } from "../../lib/services";
import { describeWorkspaceFailure } from "../../data/errors";
import { hasRole } from "../../data/roles";
import type { LiveData, WorkspaceRole } from "../../data/types";
import { useLiveData } from "../../data/useLiveData";
import {
  dealsApi,
  formatMoney,
  liveDeals,
  subscribeToColumnPage,
  toDeal,
  type ColumnPage,
  type Deal,
  type DealCursor,
  type Pipeline,
  type Stage,
} from "../../data/deals";
import { useStageTotals, type StageTotals } from "../../data/dealTotals";
import { StatePanel } from "../StatePanel";
import { DealLinks } from "./DealLinks";
import { NewDealForm } from "./NewDealForm";

const DRAG_TYPE = "application/x-rapport-deal";
// Cards per column per page: a column reads at most this many and one more (decision 31).
export const COLUMN_PAGE_SIZE = 15;

type Cursor = DealCursor | null;

/** A move the server refused because someone changed the deal first: what we wanted, and what is there now. */
interface Conflict {
  dealId: string;
  targetStage: string;
  current: Deal | null;
  message: string;
}

/**
 * A move shown at once in its new column: kept until the server accepted it and a listener has
 * seen it (the deal arrived in its new column, or left the page of its old one).
 */
interface PendingMove {
  deal: Deal;
  from: string;
  to: string;
  confirmed: boolean;
  seen: boolean;
}

function stageName(stages: readonly Stage[], id: string): string {
  return stages.find((stage) => stage.id === id)?.name ?? id;
}

export function DealsPage({ workspaceId, role }: { workspaceId: string; role: WorkspaceRole | null }) {
  const { db, auth } = useServices();
  const pipeline = useLiveData<Pipeline>((onData, onError) => liveDeals.pipeline(db, workspaceId, onData, onError), [db, workspaceId]);
  const stageIds = pipeline.state === "ready" ? pipeline.data.stages.map((stage) => stage.id) : null;
  const totals = useStageTotals(db, workspaceId, stageIds);
  const canEdit = hasRole(role, "member");
  const [pending, setPending] = useState<Record<string, PendingMove>>({});
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const [showForm, setShowForm] = useState(false);
  // Every deal a column page has shown, for a drop (which carries only the id) and the conflict panel.
  const shown = useRef(new Map<string, Deal>());

  if (pipeline.state === "loading") return <StatePanel busy title="Loading deals…" />;
  if (pipeline.state === "error") return <StatePanel tone="error" {...describeWorkspaceFailure(pipeline.error)} />;
  if (totals.state === "error") return <StatePanel tone="error" {...describeWorkspaceFailure(totals.error)} />;

  const stages = pipeline.data.stages;
  const stageOf = (deal: Deal) => pending[deal.id]?.to ?? deal.stage;

  function settle(id: string, change: Partial<PendingMove>) {
    setPending((moves) => {
      const move = moves[id];
      if (!move) return moves;
      const next = { ...move, ...change };
      if (next.confirmed && next.seen) {
        const { [id]: _done, ...rest } = moves;
        return rest;
      }
      return { ...moves, [id]: next };
    });
  }

  /** A column page's listener answered: remember its deals, and mark the moves it shows as seen. */
  function onRows(stageId: string, rows: readonly Deal[], left: readonly string[]) {
    for (const deal of rows) shown.current.set(deal.id, deal);
    for (const [id, move] of Object.entries(pending)) {
      const arrived = move.to === stageId && rows.some((deal) => deal.id === id && deal.stage === move.to);
      const departed = move.from === stageId && left.includes(id);
      if (arrived || departed) settle(id, { seen: true });
    }
  }

  async function move(deal: Deal, targetStage: string, version = deal.version) {
    if (!canEdit || !targetStage || targetStage === stageOf(deal)) return;
    setFailure(null);
    setConflict(null);
    setPending((moves) => ({ ...moves, [deal.id]: { deal, from: deal.stage, to: targetStage, confirmed: false, seen: false } }));
    try {
      await dealsApi.move(auth, workspaceId, deal.id, targetStage, version);
      settle(deal.id, { confirmed: true });
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

  function onDrop(event: DragEvent, stageId: string) {
    event.preventDefault();
    setDropTarget(null);
    const id = event.dataTransfer?.getData(DRAG_TYPE) || event.dataTransfer?.getData("text/plain");
    const deal = id ? shown.current.get(id) : undefined;
    if (deal) void move(deal, stageId);
  }

  const conflictDeal = conflict ? shown.current.get(conflict.dealId) : undefined;
  const totalsOf = (stageId: string): StageTotals | null =>
    totals.state === "ready" ? (totals.data.find((entry) => entry.stage === stageId) ?? { stage: stageId, count: 0, totals: [] }) : null;
  const noDeals = totals.state === "ready" && totals.data.every((entry) => entry.count === 0) && Object.keys(pending).length === 0;

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
      {noDeals && (
        <p class="muted" data-testid="deals-empty">
          No deals yet.{canEdit ? " Add the first with “New deal”." : ""}
        </p>
      )}
      <div class="board" data-testid="deal-board">
        {stages.map((stage) => (
          <StageColumn
            key={stage.id}
            workspaceId={workspaceId}
            stage={stage}
            stages={stages}
            totals={totalsOf(stage.id)}
            pending={pending}
            canEdit={canEdit}
            dropTarget={dropTarget === stage.id}
            onDragTarget={(target) => setDropTarget((current) => (target ? stage.id : current === stage.id ? null : current))}
            onDrop={(event) => onDrop(event, stage.id)}
            onRows={onRows}
            onMove={(deal, target) => void move(deal, target)}
          />
        ))}
      </div>
    </main>
  );
}

interface StageColumnProps {
  workspaceId: string;
  stage: Stage;
  stages: readonly Stage[];
  totals: StageTotals | null;
  pending: Record<string, PendingMove>;
  canEdit: boolean;
  dropTarget: boolean;
  onDragTarget: (entered: boolean) => void;
  onDrop: (event: DragEvent) => void;
  onRows: (stageId: string, rows: readonly Deal[], left: readonly string[]) => void;
  onMove: (deal: Deal, stage: string) => void;
}

/** One stage: its totals from Firestore's aggregation, its deals a page at a time, "Show more" by cursor. */
function StageColumn(props: StageColumnProps) {
  const { workspaceId, stage, stages, totals, pending, canEdit, dropTarget } = props;
  // Where each page starts (exclusive); page i ends where page i + 1 starts.
  const [cursors, setCursors] = useState<Cursor[]>([null]);
  const [pages, setPages] = useState<Record<number, LiveData<ColumnPage>>>({});
  const onPage = (index: number, page: LiveData<ColumnPage>, left: readonly string[]) => {
    if (page.state === "ready") props.onRows(stage.id, page.data.deals, left);
    setPages((known) => ({ ...known, [index]: page }));
  };
  const loaded = cursors.map((_, index) => pages[index]);
  const rows = loaded.flatMap((page) => (page?.state === "ready" ? page.data.deals : []));
  const shownIds = new Set(rows.map((deal) => deal.id));
  // Deals being moved here show at once, until this column's listener has them.
  const arrivals = Object.values(pending).filter((move) => move.to === stage.id && !shownIds.has(move.deal.id));
  const visible = rows.filter((deal) => pending[deal.id] === undefined || pending[deal.id]?.to === stage.id);
  const last = loaded[loaded.length - 1];
  const next = last?.state === "ready" ? last.data.next : null;
  const failed = loaded.find((page) => page?.state === "error");
  const loadingMore = cursors.length > 1 && (last === undefined || last.state === "loading");
  const card = (deal: Deal) => (
    <DealCard
      key={deal.id}
      workspaceId={workspaceId}
      deal={deal}
      stage={pending[deal.id]?.to ?? deal.stage}
      stages={stages}
      canEdit={canEdit}
      moving={deal.id in pending}
      onMove={(target) => props.onMove(deal, target)}
    />
  );
  return (
    <section
      class={`board__column${dropTarget ? " board__column--target" : ""}`}
      data-testid="deal-column"
      data-stage={stage.id}
      aria-label={stage.name}
      onDragOver={
        canEdit
          ? (event) => {
              event.preventDefault();
              if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
              if (!dropTarget) props.onDragTarget(true);
            }
          : undefined
      }
      onDragLeave={canEdit ? () => props.onDragTarget(false) : undefined}
      onDrop={canEdit ? props.onDrop : undefined}
    >
      <header class="board__column-head">
        <h2 class="board__column-title">
          {stage.name}{" "}
          <span class="muted" data-testid="deal-column-count" data-stage={stage.id}>
            · {totals ? totals.count : "…"}
          </span>
        </h2>
        <p class="board__total" data-testid="deal-column-total" data-stage={stage.id}>
          {totals === null
            ? "Counting…"
            : totals.totals.length === 0
              ? formatMoney(0, "USD")
              : totals.totals.map((entry) => formatMoney(entry.total, entry.currency)).join(" + ")}
        </p>
      </header>
      {cursors.map((after, index) => (
        <ColumnListener
          key={index}
          workspaceId={workspaceId}
          stageId={stage.id}
          after={after}
          until={cursors[index + 1] ?? null}
          onPage={(page, left) => onPage(index, page, left)}
        />
      ))}
      <ul class="board__cards">
        {arrivals.map((move) => card(move.deal))}
        {visible.map(card)}
      </ul>
      {failed?.state === "error" && (
        <p class="form-error" role="alert">
          {describeWorkspaceFailure(failed.error).title}
        </p>
      )}
      {(next || loadingMore) && (
        // Stays in place (disabled) while the next page loads, so keyboard focus is not lost.
        <button
          type="button"
          class="button button--small button--quiet board__more"
          data-testid="deal-column-more"
          data-stage={stage.id}
          disabled={loadingMore}
          aria-busy={loadingMore}
          onClick={() => next && setCursors((known) => [...known, next])}
        >
          {loadingMore ? "Loading…" : "Show more"}
        </button>
      )}
    </section>
  );
}

interface ColumnListenerProps {
  workspaceId: string;
  stageId: string;
  after: Cursor;
  until: Cursor;
  /** The page's deals, and the ids that were on it before and are not now. */
  onPage: (page: LiveData<ColumnPage>, left: readonly string[]) => void;
}

/** Keeps one page of a column live while it is mounted; draws nothing itself. */
function ColumnListener({ workspaceId, stageId, after, until, onPage }: ColumnListenerProps) {
  const { db } = useServices();
  const page = useLiveData<ColumnPage>(
    (onData, onError) => subscribeToColumnPage(db, workspaceId, { stageId, after, until, pageSize: COLUMN_PAGE_SIZE }, onData, onError),
    [db, workspaceId, stageId, after, until],
  );
  const before = useRef<readonly Deal[]>([]);
  useEffect(() => {
    // A page that listens again (its range changed when "Show more" added the next) keeps showing its
    // cards until the new answer, rather than blinking out.
    if (page.state === "loading") return;
    const deals = page.state === "ready" ? page.data.deals : before.current;
    const left = before.current.filter((deal) => !deals.some((row) => row.id === deal.id)).map((deal) => deal.id);
    before.current = deals;
    onPage(page, left);
  }, [page]);
  return null;
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
