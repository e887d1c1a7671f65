import type { ComponentChildren } from "preact";

interface FullPageMessageProps {
  title: string;
  detail?: string;
  tone?: "neutral" | "error";
  busy?: boolean;
  children?: ComponentChildren;
}

/** Start-up, sign-in and fatal states: one centred message. */
export function FullPageMessage({ title, detail, tone = "neutral", busy = false, children }: FullPageMessageProps) {
  return (
    <main class="full-page" aria-busy={busy}>
      <div class={`full-page__card full-page__card--${tone}`} role={tone === "error" ? "alert" : "status"}>
        {busy && <span class="spinner" aria-hidden="true" />}
        <h1 class="full-page__title">{title}</h1>
        {detail && <p class="full-page__detail">{detail}</p>}
        {children}
      </div>
    </main>
  );
}
