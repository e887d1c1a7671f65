import {
  collection,
  limit,
  onSnapshot,
  query,
  startAfter,
  type DocumentData,
  type Firestore,
  type QueryConstraint,
  type QueryDocumentSnapshot,
  type Unsubscribe,
} from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import type { FirestoreFailure } from "./types";

/**
 * One page of a workspace collection, queried, sorted and filtered by Firestore and kept live.
 *
 * A page asks for `pageSize + 1` documents after its cursor: the extra one only says whether a
 * next page exists. So a view reads at most `pageSize + 1` documents (then only what changes
 * inside them), whether the collection holds a thousand records or a million; the cursor is a
 * document snapshot, so paging on costs no more than the first page.
 */
export interface LivePage<T> {
  rows: T[];
  hasMore: boolean;
  /** Where the next page starts (exclusive); null when this page is empty. */
  last: QueryDocumentSnapshot<DocumentData> | null;
}

export interface PageQuery {
  workspaceId: string;
  collectionName: string;
  /** Filters and orders; the document id breaks ties implicitly, so cursors are exact. */
  constraints: QueryConstraint[];
  after: QueryDocumentSnapshot<DocumentData> | null;
  pageSize: number;
}

export function subscribeToPage<T>(
  db: Firestore,
  request: PageQuery,
  parse: (id: string, data: DocumentData) => T,
  onPage: (page: LivePage<T>) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  const constraints = [...request.constraints];
  if (request.after) constraints.push(startAfter(request.after));
  constraints.push(limit(request.pageSize + 1));
  let answered = false;
  return onSnapshot(
    query(collection(db, "workspaces", request.workspaceId, request.collectionName), ...constraints),
    (snapshot) => {
      // An empty result from the local cache before the server answered would flash "no records".
      if (!answered && snapshot.empty && snapshot.metadata.fromCache) return;
      answered = true;
      const docs = snapshot.docs.slice(0, request.pageSize);
      onPage({
        rows: docs.map((item) => parse(item.id, item.data())),
        hasMore: snapshot.size > request.pageSize,
        last: docs[docs.length - 1] ?? null,
      });
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}
