import type { Auth } from "firebase/auth";
import {
  collection,
  doc,
  limit,
  onSnapshot,
  query,
  where,
  type DocumentData,
  type DocumentReference,
  type Firestore,
  type Unsubscribe,
} from "firebase/firestore";
import { ApiError, apiRequest } from "../lib/api";
import { toFirestoreFailure } from "./errors";
import { asCount, asString, asDate } from "./parse";
import type { FirestoreFailure } from "./types";

/** CSV import and export, and Google Takeout uploads (functions/csv_import.py, csv_export.py, takeout_uploads.py). */

export type CsvKind = "contacts" | "companies";
export type ExportKind = "contacts" | "companies" | "deals" | "notes" | "tasks";
export const EXPORT_KINDS: readonly ExportKind[] = ["contacts", "companies", "deals", "notes", "tasks"];

export interface CsvColumn {
  header: string;
  field: string | null;
}

export interface CsvRowError {
  row: number;
  field: string;
  message: string;
}

export interface CsvPreview {
  kind: CsvKind;
  rows: number;
  create: number;
  update: number;
  invalid: CsvRowError[];
  ignoredColumns: string[];
  columns: CsvColumn[];
  fields: string[];
  /** Fields the kind needs that no column fills yet (a contact's email). */
  missing: string[];
  sample: Record<string, unknown>[];
}

export interface CsvApplied {
  importId: string;
  created: number;
  updated: number;
  invalid: number;
}

export interface CsvUndone {
  importId: string;
  restored: number;
  kept: string[];
}

export type CsvMapping = Record<string, string | null>;

export function previewCsv(auth: Auth, workspaceId: string, kind: CsvKind, csv: string, mapping: CsvMapping | null) {
  return apiRequest<CsvPreview>(auth, "POST", workspaceId, "csv-import/preview", { kind, csv, ...(mapping ? { mapping } : {}) });
}

export function applyCsv(auth: Auth, workspaceId: string, kind: CsvKind, csv: string, mapping: CsvMapping, importId: string) {
  return apiRequest<CsvApplied>(auth, "POST", workspaceId, "csv-import/apply", { kind, csv, mapping, importId });
}

export function undoCsv(auth: Auth, workspaceId: string, importId: string) {
  return apiRequest<CsvUndone>(auth, "DELETE", workspaceId, `csv-import/${encodeURIComponent(importId)}`);
}

/** A fresh import id, chosen here so the page can watch the import count its rows while it is applied. */
export function newImportId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export interface CsvImportProgress {
  state: string;
  written: number;
  total: number;
}

export function subscribeToCsvImport(
  db: Firestore,
  workspaceId: string,
  importId: string,
  onProgress: (progress: CsvImportProgress | null) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  const parse = (data: DocumentData): CsvImportProgress => ({
    state: asString(data.state) ?? "applying",
    written: asCount(data.written),
    total: asCount(data.total),
  });
  return subscribeToDocument(doc(db, "workspaces", workspaceId, "imports", importId), parse, onProgress, onError);
}

/** One document, parsed, live; null while it does not exist. */
function subscribeToDocument<T>(
  reference: DocumentReference,
  parse: (data: DocumentData) => T,
  onValue: (value: T | null) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    reference,
    (snapshot) => {
      const data = snapshot.data();
      onValue(data ? parse(data) : null);
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}

/** Fetches the export with the user's ID token (a plain link would carry none) and saves it as a file. */
export async function downloadCsv(auth: Auth, workspaceId: string, kind: ExportKind): Promise<number> {
  const user = auth.currentUser;
  if (!user) throw new ApiError(401, "unauthenticated", "You are signed out; sign in again.");
  const token = await user.getIdToken();
  const url = `/api/csv-export?workspaceId=${encodeURIComponent(workspaceId)}&kind=${kind}`;
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, "export_failed", `The ${kind} export failed (${response.status}).`);
  const text = await response.text();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  link.download = `${kind}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return Math.max(0, text.split("\n").filter((line) => line.trim()).length - 1);
}

// -- Takeout ------------------------------------------------------------------------------------

/** Cloud Storage wants every chunk but the last to be a multiple of 256 KiB. */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

export interface TakeoutUploadSession {
  importId: string;
  uploadUrl: string;
}

export function startTakeoutUpload(auth: Auth, workspaceId: string, file: File) {
  return apiRequest<TakeoutUploadSession>(auth, "POST", workspaceId, "takeout-uploads", { fileName: file.name, size: file.size });
}

/**
 * Sends the file to the resumable session chunk by chunk; a chunk that fails is asked about and sent
 * again from where Cloud Storage says it stands (its `Range`), so a dropped connection costs one chunk.
 */
export async function uploadResumable(url: string, file: File, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<void> {
  let offset = 0;
  let failures = 0;
  while (offset < file.size) {
    const end = Math.min(offset + UPLOAD_CHUNK_BYTES, file.size);
    try {
      const response = await fetch(url, {
        method: "PUT",
        body: file.slice(offset, end),
        headers: { "Content-Range": `bytes ${offset}-${end - 1}/${file.size}` },
        signal,
      });
      if (response.status === 308) offset = receivedFrom(response.headers.get("Range"), end);
      else if (response.ok) offset = file.size;
      else throw new Error(`Cloud Storage answered ${response.status}`);
      failures = 0;
      onProgress(offset);
    } catch (error) {
      if (signal?.aborted || ++failures > 5) throw error instanceof Error ? error : new Error(String(error));
      offset = await askOffset(url, file.size, offset);
    }
  }
}

function receivedFrom(range: string | null, fallback: number): number {
  const match = range ? /bytes=0-(\d+)/.exec(range) : null;
  return match?.[1] ? Number(match[1]) + 1 : fallback;
}

async function askOffset(url: string, size: number, fallback: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  try {
    const response = await fetch(url, { method: "PUT", headers: { "Content-Range": `bytes */${size}` } });
    if (response.ok) return size;
    return response.status === 308 ? receivedFrom(response.headers.get("Range"), 0) : fallback;
  } catch {
    return fallback;
  }
}

export interface TakeoutImport {
  state: string;
  fileName: string;
  size: number;
  offset: number;
  read: number;
  published: number;
  skipped: number;
}

export function subscribeToTakeoutImport(
  db: Firestore,
  workspaceId: string,
  importId: string,
  onImport: (takeout: TakeoutImport | null) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  const parse = (data: DocumentData): TakeoutImport => ({
    state: asString(data.state) ?? "uploading",
    fileName: asString(data.fileName) ?? "",
    size: asCount(data.size),
    offset: asCount(data.offset),
    read: asCount(data.read),
    published: asCount(data.published),
    skipped: asCount(data.skipped),
  });
  return subscribeToDocument(doc(db, "workspaces", workspaceId, "takeoutImports", importId), parse, onImport, onError);
}

/** A Takeout import that stopped after failing again and again (shared/takeout/imports.py), and why. */
export interface FailedTakeout {
  id: string;
  fileName: string;
  reason: string;
  failedAt: Date | null;
  read: number;
  createdBy: string | null;
}

const FAILED_SHOWN = 10;

/** The workspace's failed Takeout imports, live; retried or dismissed ones leave the list. */
export function subscribeToFailedTakeouts(
  db: Firestore,
  workspaceId: string,
  onData: (failed: FailedTakeout[]) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    query(collection(db, "workspaces", workspaceId, "takeoutImports"), where("state", "==", "failed"), limit(FAILED_SHOWN)),
    (snapshot) =>
      onData(
        snapshot.docs
          .map((row) => {
            const data = row.data();
            return {
              id: row.id,
              fileName: asString(data.fileName) ?? "An mbox",
              reason: asString(data.lastError) ?? "It failed several times in a row.",
              failedAt: asDate(data.failedAt),
              read: asCount(data.read),
              createdBy: asString(data.createdBy),
            };
          })
          .sort((a, b) => (b.failedAt?.getTime() ?? 0) - (a.failedAt?.getTime() ?? 0)),
      ),
    (error) => onError(toFirestoreFailure(error)),
  );
}

/** Retry reads it again from where it stopped; dismiss puts it away (the mail already read stays). */
export function settleFailedTakeout(auth: Auth, workspaceId: string, importId: string, action: "retry" | "dismiss") {
  return apiRequest<{ importId: string; state: string }>(auth, "POST", workspaceId, `takeout-uploads/${encodeURIComponent(importId)}/${action}`);
}
