import type { PagedList } from "./usePagedList";

/** Previous / next under a paged list; the page number is announced to screen readers. */
export function Pager<T>({ list, label, testId }: { list: PagedList<T>; label: string; testId: string }) {
  if (!list.hasPrevious && !list.hasNext) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`} data-testid={testId}>
      <button type="button" class="button" onClick={list.previous} disabled={!list.hasPrevious} data-testid={`${testId}-previous`}>
        ← Previous
      </button>
      <span class="pager__page" aria-live="polite" data-testid={`${testId}-number`}>
        Page {list.pageNumber}
      </span>
      <button type="button" class="button" onClick={list.next} disabled={!list.hasNext} data-testid={`${testId}-next`}>
        Next →
      </button>
    </nav>
  );
}
