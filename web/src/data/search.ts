import { collection, FieldPath, getDocs, limit, query, where, type DocumentData, type Firestore } from "firebase/firestore";
import { asString } from "./parse";

/**
 * Search across contacts, companies and deals by the tokens the server stores on each
 * (shared/crm/search.py): every prefix, up to 16 characters, of every word of the searchable
 * fields, kept as the keys of the map `searchKeys`. One query per kind asks for every word at once,
 * one equality filter per word: Firestore indexes each map key on its own and merges equality
 * filters without a composite index, so a record holding all the words is found however many
 * records hold one of them (decision 39), and each kind reads at most `perKind` documents.
 */

export type SearchKind = "contact" | "company" | "deal";

export interface SearchHit {
  kind: SearchKind;
  id: string;
  title: string;
  detail: string;
}

const MAX_PREFIX = 16; // shared/crm/search.py MAX_PREFIX
const KEYS_FIELD = "searchKeys";
const MAX_TERMS = 10; // shared/crm/search.py MAX_TERMS: equality filters one query carries
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
  const terms = searchTerms(text);
  if (terms.length === 0) return [];
  // Past ten words the longest ten ask Firestore (the most selective) and the rest are checked here.
  const asked = terms.slice(0, MAX_TERMS);
  const checked = terms.slice(MAX_TERMS);
  const found = await Promise.all(
    SOURCES.map(async ({ kind, collectionName, describe }) => {
      const filters = asked.map((term) => where(new FieldPath(KEYS_FIELD, term), "==", true));
      const snapshot = await getDocs(
        query(collection(db, "workspaces", workspaceId, collectionName), ...filters, limit(checked.length ? perKind * 3 : perKind)),
      );
      return snapshot.docs
        .filter((item) => checked.every((term) => item.get(new FieldPath(KEYS_FIELD, term)) === true))
        .slice(0, perKind)
        .map((item): SearchHit => {
          const [title, detail] = describe(item.data());
          return { kind, id: item.id, title, detail };
        });
    }),
  );
  return found.flat();
}
