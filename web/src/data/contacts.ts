import {
  collection,
  endAt,
  limit,
  onSnapshot,
  orderBy,
  query,
  startAfter,
  type DocumentChange,
  type DocumentData,
  type Firestore,
  type QueryConstraint,
  type QueryDocumentSnapshot,
  type Unsubscribe,
} from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import { asCount, asString, dateFromMillis } from "./parse";
import type { ContactRow, FirestoreFailure } from "./types";

function toContactRow(snapshot: QueryDocumentSnapshot<DocumentData>): ContactRow {
  const data = snapshot.data();
  const email = asString(data.email) ?? "";
  const name = asString(data.name);
  const companyName = asString(data.companyName);
  return {
    id: snapshot.id,
    email,
    name,
    companyName,
    sentCount: asCount(data.sentCount),
    receivedCount: asCount(data.receivedCount),
    lastInteractionAt: dateFromMillis(data.lastInteractionMs),
    searchText: [name, email, companyName].filter(Boolean).join("\n").toLowerCase(),
    sortKey: sortKeyOf(data.lastInteractionMs, snapshot.id),
  };
}

/** The workspace's contacts as loaded so far; `complete` once every page has arrived. */
export interface ContactsView {
  rows: ContactRow[];
  complete: boolean;
}

/** Epoch milliseconds, kept by a `maximum` transform (docs/data-model.md). */
const LAST_INTERACTION_FIELD = "lastInteractionMs";

// Each page is one listener. Pages keep any single listen response small: the Firestore
// emulator aborts a listen stream with more than 10,000 pending messages. The first page is a
// few screenfuls, so rows are on screen long before a large workspace has finished loading
// (answering 500 documents takes the server several times longer than answering 50).
const FIRST_PAGE_SIZE = 50;
const PAGE_SIZE = 500;

interface ContactsPage {
  /** Exclusive start of this page's key range; null for the first page. */
  after: QueryDocumentSnapshot<DocumentData> | null;
  /** Inclusive end of this page's key range, fixed when the next page is started. */
  end: QueryDocumentSnapshot<DocumentData> | null;
  endKey: string | null;
  /** false: `limit(pageSize)` listener; true: `endAt(end)` listener without a limit. */
  bounded: boolean;
  pageSize: number;
  listenerRows: ContactRow[];
  visibleRows: ContactRow[];
  size: number;
  loaded: boolean;
  generation: number;
  unsubscribe: Unsubscribe;
}

/**
 * The workspace's contacts, most recent interaction first, kept live, in pages of fixed key
 * ranges so every document shows exactly once while contacts move up the list.
 *
 * Pages start as `limit(pageSize)` listeners, one after the other. When page k is full it
 * fixes its end at its last document and page k+1 starts right after it. Rows past that end
 * (pulled in when a contact moved up out of page k) belong to page k+1 and are hidden here;
 * if contacts move *into* page k so that its limit would drop rows before its end, page k
 * is re-listened as a plain range (`endAt`, no limit). Each snapshot's changes are applied to
 * the previous rows, so one counter update costs one parse, not 10,000. While the first
 * server answer is pending, an empty cached result is not reported, so the view shows
 * "loading" rather than flashing the empty state.
 */
export function subscribeToContacts(
  db: Firestore,
  workspaceId: string,
  onView: (view: ContactsView) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  const contacts = collection(db, "workspaces", workspaceId, "contacts");
  const pages: ContactsPage[] = [];
  let stopped = false;
  let reported = false;

  function stopAll(): void {
    stopped = true;
    for (const page of pages) page.unsubscribe();
  }

  function report(): void {
    const last = pages[pages.length - 1];
    const complete = pages.every((page) => page.loaded) && !!last && (last.bounded || last.size < last.pageSize);
    onView({ rows: pages.flatMap((page) => page.visibleRows), complete });
  }

  function listen(page: ContactsPage, index: number): void {
    const generation = ++page.generation;
    const constraints: QueryConstraint[] = [orderBy(LAST_INTERACTION_FIELD, "desc")];
    if (page.after) constraints.push(startAfter(page.after));
    constraints.push(page.bounded && page.end ? endAt(page.end) : limit(page.pageSize));
    let rows: ContactRow[] = [];
    page.unsubscribe = onSnapshot(
      query(contacts, ...constraints),
      (snapshot) => {
        if (stopped || generation !== page.generation) return;
        rows = applyChanges(rows, snapshot.docChanges());
        if (index === 0 && !reported && snapshot.empty && snapshot.metadata.fromCache) return;
        page.listenerRows = rows;
        page.size = snapshot.size;
        page.loaded = true;
        const lastDoc = snapshot.docs[snapshot.size - 1] ?? null;
        const lastRow = rows[rows.length - 1];

        if (!page.bounded && page.size === page.pageSize && !page.end && index === pages.length - 1 && lastDoc) {
          page.end = lastDoc;
          page.endKey = lastRow?.sortKey ?? null;
          startPage(lastDoc);
        } else if (!page.bounded && page.end && page.size === page.pageSize && page.endKey && lastRow && lastRow.sortKey > page.endKey) {
          // The limit now cuts this page short of its end: listen to the whole range instead.
          page.bounded = true;
          page.unsubscribe();
          listen(page, index);
        }
        page.visibleRows = page.endKey && !page.bounded ? rowsUpTo(rows, page.endKey) : rows;
        reported = true;
        report();
      },
      (error) => {
        if (stopped) return;
        stopAll();
        onError(toFirestoreFailure(error));
      },
    );
  }

  function startPage(after: QueryDocumentSnapshot<DocumentData> | null): void {
    const page: ContactsPage = {
      after,
      end: null,
      endKey: null,
      bounded: false,
      pageSize: pages.length === 0 ? FIRST_PAGE_SIZE : PAGE_SIZE,
      listenerRows: [],
      visibleRows: [],
      size: 0,
      loaded: false,
      generation: 0,
      unsubscribe: () => undefined,
    };
    pages.push(page);
    listen(page, pages.length - 1);
  }

  startPage(null);
  return stopAll;
}

/** Firestore orders changes so that applying them in turn, at their indexes, yields the new result. */
function applyChanges(previous: ContactRow[], changes: DocumentChange<DocumentData>[]): ContactRow[] {
  if (changes.length === 0) return previous;
  const next = previous.slice();
  for (const change of changes) {
    if (change.type === "removed") {
      next.splice(change.oldIndex, 1);
    } else if (change.type === "added") {
      next.splice(change.newIndex, 0, toContactRow(change.doc));
    } else if (change.oldIndex === change.newIndex) {
      next[change.newIndex] = toContactRow(change.doc);
    } else {
      next.splice(change.oldIndex, 1);
      next.splice(change.newIndex, 0, toContactRow(change.doc));
    }
  }
  return next;
}

/** The leading rows that rank at or before `endKey` (rows are sorted by descending sortKey). */
function rowsUpTo(rows: ContactRow[], endKey: string): ContactRow[] {
  let count = rows.length;
  while (count > 0 && (rows[count - 1] as ContactRow).sortKey < endKey) count--;
  return count === rows.length ? rows : rows.slice(0, count);
}

/**
 * A string that sorts like the query: `lastInteractionMs`, then the document id, both
 * descending (Firestore breaks ties on the document name in the last order's direction).
 */
function sortKeyOf(lastInteractionMs: unknown, id: string): string {
  const millis = typeof lastInteractionMs === "number" && Number.isFinite(lastInteractionMs) ? lastInteractionMs : 0;
  // Offset keeps pre-1970 times positive, so zero-padded numbers compare as strings.
  const padded = (millis + 100_000_000_000_000).toFixed(3).padStart(20, "0");
  return `${padded}|${id}`;
}

/** Rows whose name, email or company contain every word of the search text. */
export function filterContacts(rows: readonly ContactRow[], searchText: string): readonly ContactRow[] {
  const words = searchText.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter((row) => words.every((word) => row.searchText.includes(word)));
}
