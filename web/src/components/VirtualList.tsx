import type { ComponentChildren, HTMLAttributes } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  /** Rows rendered beyond each edge of the viewport so fast scrolling shows no gaps. */
  overscan?: number;
  itemKey: (item: T) => string;
  renderRow: (item: T, index: number) => ComponentChildren;
  rowAttributes?: (item: T, index: number) => HTMLAttributes<HTMLDivElement> & Record<string, unknown>;
  /** Attributes for the scrolling list element (label, test ids). */
  listAttributes?: HTMLAttributes<HTMLDivElement> & Record<string, unknown>;
}

/**
 * A fixed-row-height windowed list: only the rows in view (plus `overscan`) are in the DOM,
 * so 10,000 items scroll as smoothly as 20. Rows are absolutely positioned inside a spacer as
 * tall as the whole list, so the scrollbar stays true.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  overscan = 8,
  itemKey,
  renderRow,
  rowAttributes,
  listAttributes,
}: VirtualListProps<T>) {
  const viewportRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(0);

  useLayoutEffect(() => {
    const viewport = viewportRef.current;
    if (!viewport) return undefined;
    setViewportHeight(viewport.clientHeight);
    const observer = new ResizeObserver(() => setViewportHeight(viewport.clientHeight));
    observer.observe(viewport);
    return () => observer.disconnect();
  }, []);

  // A shorter list (after filtering) can leave the scroll position past its end.
  useEffect(() => {
    const viewport = viewportRef.current;
    if (viewport && viewport.scrollTop !== scrollTop) setScrollTop(viewport.scrollTop);
  }, [items.length]);

  const totalHeight = items.length * rowHeight;
  const firstVisible = Math.floor(scrollTop / rowHeight);
  const visibleCount = Math.ceil(viewportHeight / rowHeight) + 1;
  const start = Math.max(0, firstVisible - overscan);
  const end = Math.min(items.length, firstVisible + visibleCount + overscan);

  const rows = [];
  for (let index = start; index < end; index++) {
    const item = items[index] as T;
    rows.push(
      <div
        key={itemKey(item)}
        role="listitem"
        aria-setsize={items.length}
        aria-posinset={index + 1}
        class="virtual-list__row"
        style={{ transform: `translateY(${index * rowHeight}px)`, height: `${rowHeight}px` }}
        {...rowAttributes?.(item, index)}
      >
        {renderRow(item, index)}
      </div>,
    );
  }

  return (
    <div
      ref={viewportRef}
      class="virtual-list"
      role="list"
      tabIndex={0}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      {...listAttributes}
    >
      <div class="virtual-list__spacer" style={{ height: `${totalHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
