import { Timestamp, type DocumentData } from "firebase/firestore";

// Documents are written by the functions, but the UI must not crash on a missing or
// mistyped field (older documents, partial writes during a migration): parse defensively.

export function asString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

export function asCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

export function asDate(value: unknown): Date | null {
  if (value instanceof Timestamp) return value.toDate();
  if (value instanceof Date) return value;
  return null;
}

/** Epoch milliseconds (how counters store times, since `maximum` takes numbers only) as a Date. */
export function dateFromMillis(value: unknown): Date | null {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? new Date(value) : null;
}

export function asMap(value: unknown): DocumentData {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as DocumentData) : {};
}
