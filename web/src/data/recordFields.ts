import type { Auth } from "firebase/auth";
import { doc, onSnapshot, type DocumentData, type Firestore, type Unsubscribe } from "firebase/firestore";
import { ApiError, apiRequest } from "../lib/api";
import { toFirestoreFailure } from "./errors";
import { asMap, asString, dateFromMillis } from "./parse";
import type { FirestoreFailure } from "./types";

/**
 * The fields people edit on a contact or company page, where each value came from, and the save
 * that names the version the editor saw (shared/crm/records.py): a stale save is a 409 carrying the
 * value that won, so the page can ask whose to keep.
 */

export type EditableKind = "contact" | "company";

const COLLECTIONS: Record<EditableKind, string> = { contact: "contacts", company: "companies" };

/** A record as its edit form needs it: the raw document and the version it was read at. */
export interface EditableRecord {
  id: string;
  version: number;
  data: DocumentData;
}

export function subscribeToEditable(
  db: Firestore,
  workspaceId: string,
  kind: EditableKind,
  id: string,
  onData: (record: EditableRecord | null) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    doc(db, "workspaces", workspaceId, COLLECTIONS[kind], id),
    (snapshot) => {
      const data = snapshot.exists() ? snapshot.data() : null;
      onData(data ? { id: snapshot.id, version: typeof data.version === "number" ? data.version : 0, data } : null);
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}

/** Where a field's value came from. `uid` and `at` are known for a person's edit. */
export interface Provenance {
  source: "person" | "signature" | "domain" | "gemini" | "mail" | "import" | "created" | "unknown";
  uid: string | null;
  at: Date | null;
}

// Fields the mail itself fills (shared/crm/ingest.py): the sender's name, and the company from the address's domain.
const FROM_MAIL = new Set(["name", "email", "companyName", "companyId", "domain"]);
// Fields an email signature fills when no person set them (shared/crm/ingest.py `_contact_update`).
const FROM_SIGNATURE: Record<string, string> = { title: "title", phone: "phones", phones: "phones", address: "address" };
// Enrichment providers (shared/enrichment) by the name they store as a field's `source`.
const PROVIDERS = new Set(["signature", "domain", "gemini"]);

/**
 * A field's value: the record's own, or else what an enrichment provider found for it (a website in a
 * signature, a company's phone from its site), which a person's edit then replaces.
 */
export function fieldValue(data: DocumentData, field: string): unknown {
  const own = data[field];
  if (own !== undefined && own !== null) return own;
  return asMap(asMap(asMap(data.enrichment).fields)[field]).value ?? own;
}

export function provenanceOf(data: DocumentData, field: string): Provenance | null {
  const entry = asMap(asMap(data.fieldSources)[field]);
  if (entry.source === "person") {
    return { source: "person", uid: asString(entry.uid), at: dateFromMillis(entry.atMs) };
  }
  const value = fieldValue(data, field);
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) return null;
  const manual = Array.isArray(data.manualFields) && data.manualFields.includes(field);
  if (manual) return { source: data.source === "import" ? "import" : "person", uid: null, at: null };
  if (data.source === "import") return { source: "import", uid: null, at: null };
  if (data.source === "manual") return { source: "created", uid: asString(data.createdBy), at: null };
  const signatureField = FROM_SIGNATURE[field];
  if (signatureField && asMap(data.signature)[signatureField] !== undefined) return { source: "signature", uid: null, at: dateFromMillis(asMap(data.signature).atMs) };
  const enriched = asMap(asMap(asMap(data.enrichment).fields)[field]);
  const provider = asString(enriched.source);
  if (provider && PROVIDERS.has(provider)) return { source: provider as Provenance["source"], uid: null, at: null };
  // A company's name and domain come from its people's addresses; a contact's name from the mail's headers.
  const isCompany = typeof data.domain === "string" && data.email === undefined;
  if (FROM_MAIL.has(field)) return { source: isCompany || field === "companyId" ? "domain" : "mail", uid: null, at: null };
  return { source: "unknown", uid: null, at: null };
}

const SOURCE_WORDS: Record<Provenance["source"], string> = {
  person: "Set by",
  signature: "From their email signature",
  domain: "From the email domain",
  gemini: "Suggested by Gemini",
  mail: "From their email",
  import: "From a CSV import",
  created: "Entered by",
  unknown: "Set by Rapport",
};

/** "Set by Ada Park", "From their email signature": `who` names the uid of a person's edit. */
export function describeProvenance(provenance: Provenance, who: (uid: string) => string): string {
  const words = SOURCE_WORDS[provenance.source];
  if (provenance.source === "person") return provenance.uid ? `${words} ${who(provenance.uid)}` : "Set by a person";
  if (provenance.source === "created") return provenance.uid ? `${words} ${who(provenance.uid)}` : "Entered by a person";
  return words;
}

/** A save refused because the record moved on: the value that is there now, and the version to save against. */
export interface FieldConflict {
  message: string;
  theirs: unknown;
  version: number | null;
}

export function conflictOf(error: unknown, fields: readonly string[]): FieldConflict | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const current = error.current ?? {};
  const version = typeof error.details.version === "number" ? error.details.version : typeof current.version === "number" ? current.version : null;
  const [first] = fields;
  return { message: error.message, theirs: first === undefined ? undefined : current[first], version };
}

export function saveFields(auth: Auth, workspaceId: string, kind: EditableKind, id: string, changes: Record<string, unknown>, version: number) {
  return apiRequest<DocumentData>(auth, "PATCH", workspaceId, `${kind}/${encodeURIComponent(id)}`, { ...changes, version });
}
