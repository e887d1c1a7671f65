import type { Auth } from "firebase/auth";
import {
  collection,
  doc,
  endAt,
  getDoc,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  startAt,
  where,
  type DocumentData,
  type Firestore,
  type Unsubscribe,
} from "firebase/firestore";
import { useEffect, useState } from "preact/hooks";
import { apiRequest } from "../lib/api";
import { toDeal, type Deal } from "./deals";
import { toFirestoreFailure } from "./errors";
import { asString } from "./parse";
import type { FirestoreFailure } from "./types";

/** Deals and the contacts and companies they link (a deal's `contactIds` and `companyId`). */

/** The deals that link one contact (`contactIds` contains it) or one company (`companyId` is it). */
export function subscribeToDealsOf(
  db: Firestore,
  workspaceId: string,
  field: "contactIds" | "companyId",
  recordId: string,
  onData: (deals: Deal[]) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  const filter = field === "contactIds" ? where(field, "array-contains", recordId) : where(field, "==", recordId);
  return onSnapshot(
    query(collection(db, "workspaces", workspaceId, "deals"), filter, limit(100)),
    (snapshot) => onData(snapshot.docs.map((row) => toDeal(row.id, row.data())).sort((a, b) => b.value - a.value)),
    (error) => onError(toFirestoreFailure(error)),
  );
}

export interface LinkChanges {
  companyId?: string | null;
  contactIds?: string[];
}

export function saveDealLinks(auth: Auth, workspaceId: string, deal: Pick<Deal, "id" | "version">, changes: LinkChanges) {
  return apiRequest<DocumentData>(auth, "PATCH", workspaceId, `deal/${encodeURIComponent(deal.id)}`, { ...changes, version: deal.version });
}

export interface CompanyChoice {
  id: string;
  name: string;
}

/** Companies by name, for choosing one to link; those made by hand have no mail yet, so no `lastInteractionMs`. */
export function subscribeToCompanyChoices(db: Firestore, workspaceId: string, onData: (rows: CompanyChoice[]) => void, onError: (failure: FirestoreFailure) => void): Unsubscribe {
  return onSnapshot(
    query(collection(db, "workspaces", workspaceId, "companies"), orderBy("name"), limit(500)),
    (snapshot) => onData(snapshot.docs.map((row) => ({ id: row.id, name: asString(row.data().name) ?? row.id }))),
    (error) => onError(toFirestoreFailure(error)),
  );
}

export interface ContactChoice {
  id: string;
  name: string | null;
  email: string;
}

const CHOICES = 8;

/**
 * Contacts whose email or name starts with what was typed: two prefix queries on single-field
 * indexes, so they cost the same in any workspace. Aliases left by a merge are left out.
 */
export async function findContacts(db: Firestore, workspaceId: string, text: string): Promise<ContactChoice[]> {
  const typed = text.trim();
  if (!typed) return [];
  const contacts = collection(db, "workspaces", workspaceId, "contacts");
  const prefix = (field: string, start: string) => query(contacts, orderBy(field), startAt(start), endAt(`${start}\uf8ff`), limit(CHOICES));
  const capitalised = typed.charAt(0).toUpperCase() + typed.slice(1);
  const answers = await Promise.all([prefix("email", typed.toLowerCase()), prefix("name", capitalised), prefix("name", typed)].map((q) => getDocs(q)));
  const found = new Map<string, ContactChoice>();
  for (const snapshot of answers) {
    for (const row of snapshot.docs) {
      const data = row.data();
      if (data.mergedInto) continue;
      found.set(row.id, { id: row.id, name: asString(data.name), email: asString(data.email) ?? row.id });
    }
  }
  return [...found.values()].slice(0, CHOICES);
}

// Names of linked records, read once per page view: a deal card shows them, it does not follow them live.
const nameCache = new Map<string, Promise<string | null>>();

function recordName(db: Firestore, workspaceId: string, path: "contacts" | "companies", id: string): Promise<string | null> {
  const key = `${workspaceId}/${path}/${id}`;
  let pending = nameCache.get(key);
  if (!pending) {
    pending = getDoc(doc(db, "workspaces", workspaceId, path, id))
      .then((snapshot) => (snapshot.exists() ? (asString(snapshot.data().name) ?? asString(snapshot.data().email) ?? asString(snapshot.data().domain) ?? id) : null))
      .catch(() => {
        nameCache.delete(key);
        return id;
      });
    nameCache.set(key, pending);
  }
  return pending;
}

/** id → display name for linked records; an id not read yet shows as itself. */
export function useRecordNames(db: Firestore, workspaceId: string, path: "contacts" | "companies", ids: readonly string[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const key = ids.join("|");
  useEffect(() => {
    let active = true;
    void Promise.all(ids.map(async (id) => [id, (await recordName(db, workspaceId, path, id)) ?? id] as const)).then((pairs) => {
      if (active) setNames(Object.fromEntries(pairs));
    });
    return () => {
      active = false;
    };
  }, [db, workspaceId, path, key]);
  return names;
}
