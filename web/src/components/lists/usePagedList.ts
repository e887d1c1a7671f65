import { useState } from "preact/hooks";
import type { DocumentData, Firestore, QueryDocumentSnapshot } from "firebase/firestore";
import { subscribeToPage, type LivePage, type PageQuery } from "../../data/pagedQuery";
import { useLiveData } from "../../data/useLiveData";
import type { LiveData } from "../../data/types";

type Cursor = QueryDocumentSnapshot<DocumentData> | null;

export interface PagedList<T> {
  page: LiveData<LivePage<T>>;
  /** 1 for the first page. */
  pageNumber: number;
  hasPrevious: boolean;
  hasNext: boolean;
  next: () => void;
  previous: () => void;
  retry: () => void;
}

/**
 * A list shown a page at a time, the visible page live. Earlier pages are remembered by the
 * cursors they started after, so "Previous" returns to exactly the page that was shown. A new
 * `queryKey` (another sort or filter) starts again from the first page.
 */
export function usePagedList<T>(
  db: Firestore,
  request: Omit<PageQuery, "after">,
  queryKey: string,
  parse: PageQueryParse<T>,
): PagedList<T> {
  const [cursors, setCursors] = useState<{ key: string; stack: Cursor[] }>({ key: queryKey, stack: [null] });
  const stack = cursors.key === queryKey ? cursors.stack : [null];
  const after = stack[stack.length - 1] ?? null;
  const [attempt, setAttempt] = useState(0);
  const page = useLiveData<LivePage<T>>(
    (onData, onError) => subscribeToPage(db, { ...request, after }, parse, onData, onError),
    [db, request.workspaceId, request.collectionName, request.pageSize, queryKey, after, attempt],
  );
  const ready = page.state === "ready" ? page.data : null;
  return {
    page,
    pageNumber: stack.length,
    hasPrevious: stack.length > 1,
    hasNext: !!ready?.hasMore && !!ready.last,
    next: () => {
      if (ready?.hasMore && ready.last) setCursors({ key: queryKey, stack: [...stack, ready.last] });
    },
    previous: () => setCursors({ key: queryKey, stack: stack.length > 1 ? stack.slice(0, -1) : stack }),
    retry: () => setAttempt((count) => count + 1),
  };
}

type PageQueryParse<T> = (id: string, data: DocumentData) => T;
