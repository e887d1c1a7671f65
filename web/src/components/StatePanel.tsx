import type { ComponentChildren } from "preact";

interface StatePanelProps {
  title: string;
  detail?: string;
  tone?: "neutral" | "error";
  busy?: boolean;
  testId?: string;
  children?: ComponentChildren;
}

/** Empty, loading and error states inside the signed-in layout. */
export function StatePanel({ title, detail, tone = "neutral", busy = false, testId, children }: StatePanelProps) {
  return (
    <div
      class={`state-panel state-panel--${tone}`}
      role={tone === "error" ? "alert" : "status"}
      aria-busy={busy}
      data-testid={testId}
    >
      {busy && <span class="spinner" aria-hidden="true" />}
      <h2 class="state-panel__title">{title}</h2>
      {detail && <p class="state-panel__detail">{detail}</p>}
      {children}
    </div>
  );
}
