import { collection, getDocs, limit, query, where, type DocumentData, type Firestore } from "firebase/firestore";
import { asString } from "./parse";

/**
 * Search across contacts, companies and deals with the `searchTokens` the server stores on each
 * (shared/crm/search.py): every prefix, up to 16 characters, of every word of the searchable
 * fields. Firestore finds the documents holding the query's longest word as a token with one
 * `array-contains` (a single-field index, so each kind reads at most a few documents, never the
 * collection); the other words are checked against the same tokens here.
 */

export type SearchKind = "contact" | "company" | "deal";

export interface SearchHit {
  kind: SearchKind;
  id: string;
  title: string;
  detail: string;
}

const MAX_PREFIX = 16; // shared/crm/search.py MAX_PREFIX
const TOKENS_FIELD = "searchTokens";
const WORD = /[a-z0-9]+/g;

/** The query's words as the server tokenises them (lower case, accents dropped), longest first. */
export function searchTerms(text: string): string[] {
  const normalised = text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase();
  const words = (normalised.match(WORD) ?? []).map((word) => word.slice(0, MAX_PREFIX));
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

const SOURCES: ReadonlyArray<{ kind: SearchKind; collectionName: string; describe: (data: DocumentData) => [string, string] }> = [
  {
    kind: "contact",
    collectionName: "contacts",
    describe: (data) => {
      const email = asString(data.email) ?? "";
      return [asString(data.name) ?? email, [email, asString(data.companyName)].filter(Boolean).join(" · ")];
    },
  },
  {
    kind: "company",
    collectionName: "companies",
    describe: (data) => [asString(data.name) ?? asString(data.domain) ?? "", asString(data.domain) ?? ""],
  },
  {
    kind: "deal",
    collectionName: "deals",
    describe: (data) => [asString(data.name) ?? "(unnamed deal)", asString(data.stage) ?? ""],
  },
];

/** At most `perKind` hits of each kind, contacts first. */
export async function searchRecords(db: Firestore, workspaceId: string, text: string, perKind = 5): Promise<SearchHit[]> {
  const [first, ...rest] = searchTerms(text);
  if (!first) return [];
  const found = await Promise.all(
    SOURCES.map(async ({ kind, collectionName, describe }) => {
      const snapshot = await getDocs(
        // Room for documents the other words then rule out, as the server's search allows.
        query(collection(db, "workspaces", workspaceId, collectionName), where(TOKENS_FIELD, "array-contains", first), limit(perKind * 3)),
      );
      return snapshot.docs
        .filter((item) => {
          const tokens: unknown = item.get(TOKENS_FIELD);
          return Array.isArray(tokens) && rest.every((term) => tokens.includes(term));
        })
        .slice(0, perKind)
        .map((item): SearchHit => {
          const [title, detail] = describe(item.data());
          return { kind, id: item.id, title, detail };
        });
    }),
  );
  return found.flat();
}
