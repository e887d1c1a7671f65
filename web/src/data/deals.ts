import {
  collection,
  doc,
  endAt,
  limit,
  onSnapshot,
  orderBy,
  query,
  startAfter,
  where,
  type DocumentData,
  type Firestore,
  type QueryConstraint,
  type QueryDocumentSnapshot,
  type Unsubscribe,
} from "firebase/firestore";
import type { Auth } from "firebase/auth";
import { apiRequest } from "../lib/api";
import { toFirestoreFailure } from "./errors";
import { asString } from "./parse";
import type { FirestoreFailure } from "./types";

/** Deals and the pipeline they move through: read live from Firestore, changed through the API. */

export interface Stage {
  id: string;
  name: string;
}

export interface Deal {
  id: string;
  name: string;
  stage: string;
  value: number;
  currency: string;
  expectedClose: string | null;
  ownerUid: string | null;
  companyId: string | null;
  contactIds: string[];
  version: number;
}

export interface Pipeline {
  stages: Stage[];
  version: number;
}

// What a workspace starts with until an admin saves its own stages (shared/crm/deals.py).
export const DEFAULT_STAGES: readonly Stage[] = [
  { id: "lead", name: "Lead" },
  { id: "qualified", name: "Qualified" },
  { id: "proposal", name: "Proposal" },
  { id: "negotiation", name: "Negotiation" },
  { id: "won", name: "Won" },
  { id: "lost", name: "Lost" },
];

// A record page's deal picker lists this many; the board pages each stage instead (stageConstraints).
const PICKER_LIMIT = 1000;

export type DealCursor = QueryDocumentSnapshot<DocumentData>;

export interface ColumnPage {
  deals: Deal[];
  /** Set on the last page only: where a next page would start, when there is one. */
  next: DealCursor | null;
}

/**
 * One page of a board column: a stage's deals, largest first (the (stage, value) index), kept live.
 * Pages are ranges between fixed cursors: an earlier page runs from its cursor to the next page's
 * (so a deal moving in or out of one never hides or repeats a deal at the boundary), and the last
 * asks for `pageSize` and one more, which only says whether there is a next page.
 */
export function subscribeToColumnPage(
  db: Firestore,
  workspaceId: string,
  page: { stageId: string; after: DealCursor | null; until: DealCursor | null; pageSize: number },
  onPage: (page: ColumnPage) => void,
  onError: OnError,
): Unsubscribe {
  const constraints: QueryConstraint[] = [where("stage", "==", page.stageId), orderBy("value", "desc")];
  if (page.after) constraints.push(startAfter(page.after));
  constraints.push(page.until ? endAt(page.until) : limit(page.pageSize + 1));
  return onSnapshot(
    query(collection(db, "workspaces", workspaceId, "deals"), ...constraints),
    (snapshot) => {
      const docs = page.until ? snapshot.docs : snapshot.docs.slice(0, page.pageSize);
      const more = !page.until && snapshot.size > page.pageSize;
      onPage({ deals: docs.map((row) => toDeal(row.id, row.data())), next: more ? (docs[docs.length - 1] ?? null) : null });
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}

function asFiniteNumber(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

export function toDeal(id: string, data: DocumentData): Deal {
  return {
    id,
    name: asString(data.name) ?? "(unnamed deal)",
    stage: asString(data.stage) ?? "",
    value: asFiniteNumber(data.value, 0),
    currency: asString(data.currency) ?? "USD",
    expectedClose: asString(data.expectedClose),
    ownerUid: asString(data.ownerUid),
    companyId: asString(data.companyId),
    contactIds: Array.isArray(data.contactIds) ? data.contactIds.filter((id): id is string => typeof id === "string") : [],
    version: asFiniteNumber(data.version, 0),
  };
}

function toPipeline(data: DocumentData | undefined): Pipeline {
  const stages = Array.isArray(data?.stages)
    ? data.stages.flatMap((stage: unknown): Stage[] => {
        const entry = stage && typeof stage === "object" ? (stage as DocumentData) : {};
        const id = asString(entry.id);
        return id ? [{ id, name: asString(entry.name) ?? id }] : [];
      })
    : [];
  return { stages: stages.length > 0 ? stages : [...DEFAULT_STAGES], version: asFiniteNumber(data?.version, 0) };
}

type OnError = (failure: FirestoreFailure) => void;

export const liveDeals = {
  deals: (db: Firestore, workspaceId: string, onData: (rows: Deal[]) => void, onError: OnError): Unsubscribe =>
    onSnapshot(
      query(collection(db, "workspaces", workspaceId, "deals"), limit(PICKER_LIMIT)),
      (snapshot) => onData(snapshot.docs.map((row) => toDeal(row.id, row.data()))),
      (error) => onError(toFirestoreFailure(error)),
    ),

  pipeline: (db: Firestore, workspaceId: string, onData: (pipeline: Pipeline) => void, onError: OnError): Unsubscribe =>
    onSnapshot(
      doc(db, "workspaces", workspaceId, "pipelines", "deals"),
      (snapshot) => onData(toPipeline(snapshot.exists() ? snapshot.data() : undefined)),
      (error) => onError(toFirestoreFailure(error)),
    ),
};

export interface NewDeal {
  name: string;
  stage: string;
  value: number;
  currency: string;
  expectedClose: string | null;
}

export const dealsApi = {
  create: (auth: Auth, workspaceId: string, deal: NewDeal) => {
    const body: Record<string, unknown> = { name: deal.name, stage: deal.stage, value: deal.value, currency: deal.currency };
    if (deal.expectedClose) body.expectedClose = deal.expectedClose;
    return apiRequest<DocumentData>(auth, "POST", workspaceId, "deals", body);
  },
  move: (auth: Auth, workspaceId: string, dealId: string, stage: string, version: number) =>
    apiRequest<DocumentData>(auth, "PATCH", workspaceId, `deal/${encodeURIComponent(dealId)}`, { stage, version }),
};

/** "$12,500" in the deal's own currency; an unknown code falls back to the bare number and code. */
export function formatMoney(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${Math.round(value).toLocaleString()} ${currency}`;
  }
}
