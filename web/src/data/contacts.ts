import { orderBy, where, type DocumentData, type QueryConstraint } from "firebase/firestore";
import { asCount, asString, dateFromMillis } from "./parse";
import type { ContactRow } from "./types";

export function toContactRow(id: string, data: DocumentData): ContactRow {
  return {
    id,
    email: asString(data.email) ?? "",
    name: asString(data.name),
    companyName: asString(data.companyName),
    sentCount: asCount(data.sentCount),
    receivedCount: asCount(data.receivedCount),
    lastInteractionAt: dateFromMillis(data.lastInteractionMs),
    strengthScore: typeof data.strength?.score === "number" ? Math.round(data.strength.score as number) : null,
    goingCold: data.goingCold === true,
  };
}

/**
 * How the contacts list is sorted. Each is one Firestore `orderBy`; with a filter it needs the
 * composite index (filter field, sort field) in firestore.indexes.json (tests/unit/test_list_indexes.py).
 * Firestore leaves out documents without the sort field, which the list says (`needs`).
 */
export const CONTACT_SORTS = {
  recent: { label: "Last contact", field: "lastInteractionMs", direction: "desc", needs: null },
  strength: { label: "Strength", field: "strength.score", direction: "desc", needs: "a strength score" },
  company: { label: "Company (A–Z)", field: "companyName", direction: "asc", needs: "a company" },
  name: { label: "Name (A–Z)", field: "name", direction: "asc", needs: "a name" },
} as const;

export type ContactSort = keyof typeof CONTACT_SORTS;

/** Equality filters on the contacts list; several combine (Firestore merges their indexes). */
export interface ContactFilters {
  ownerUid: string | null;
  companyId: string | null;
  goingCold: boolean;
}

export interface ContactListQuery {
  sort: ContactSort;
  filters: ContactFilters;
}

export const DEFAULT_CONTACT_QUERY: ContactListQuery = {
  sort: "recent",
  filters: { ownerUid: null, companyId: null, goingCold: false },
};

export function isContactSort(value: unknown): value is ContactSort {
  return typeof value === "string" && Object.hasOwn(CONTACT_SORTS, value);
}

export function contactConstraints({ sort, filters }: ContactListQuery): QueryConstraint[] {
  const constraints: QueryConstraint[] = [];
  if (filters.ownerUid) constraints.push(where("ownerUid", "==", filters.ownerUid));
  if (filters.companyId) constraints.push(where("companyId", "==", filters.companyId));
  if (filters.goingCold) constraints.push(where("goingCold", "==", true));
  const { field, direction } = CONTACT_SORTS[sort];
  constraints.push(orderBy(field, direction));
  return constraints;
}

/** A stable text for the query: when it changes, the list goes back to its first page. */
export function contactQueryKey({ sort, filters }: ContactListQuery): string {
  return JSON.stringify([sort, filters.ownerUid, filters.companyId, filters.goingCold]);
}

/** A saved view's sort and filters as a contacts query; anything unknown falls back to the default. */
export function contactQueryFromView(view: { sort: string; filters: Record<string, unknown> }): ContactListQuery {
  const text = (value: unknown) => (typeof value === "string" && value ? value : null);
  return {
    sort: isContactSort(view.sort) ? view.sort : DEFAULT_CONTACT_QUERY.sort,
    filters: {
      ownerUid: text(view.filters.ownerUid),
      companyId: text(view.filters.companyId),
      goingCold: view.filters.goingCold === true,
    },
  };
}
