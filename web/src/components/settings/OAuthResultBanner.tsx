import { useState } from "preact/hooks";

/** What oauth-callback appends when it sends the user back: `?gmail=connected|declined|error&reason=`. */
const RESULT_PARAMS = ["gmail", "reason", "mailbox"];

interface OAuthResult {
  tone: "ok" | "error";
  title: string;
  detail: string | null;
}

const RESULTS: Record<string, (reason: string | null) => OAuthResult> = {
  connected: () => ({ tone: "ok", title: "Gmail is connected", detail: "Rapport is reading your mail now; the progress is below." }),
  declined: () => ({
    tone: "error",
    title: "Gmail was not connected",
    detail: "Access was declined on Google's screen. Connect again and allow Rapport to read your mail.",
  }),
  error: (reason) => ({ tone: "error", title: "Gmail could not be connected", detail: reason ?? "Please try again." }),
};

/** Reads the result once, then takes it out of the address bar so a reload doesn't show it again. */
function takeResultFromUrl(): OAuthResult | null {
  const url = new URL(window.location.href);
  const describe = RESULTS[url.searchParams.get("gmail") ?? ""];
  const result = describe ? describe(url.searchParams.get("reason")) : null;
  if (RESULT_PARAMS.some((name) => url.searchParams.has(name))) {
    for (const name of RESULT_PARAMS) url.searchParams.delete(name);
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }
  return result;
}

export function OAuthResultBanner() {
  const [result, setResult] = useState<OAuthResult | null>(takeResultFromUrl);
  if (!result) return null;
  return (
    <div class={`banner banner--${result.tone}`} role={result.tone === "error" ? "alert" : "status"} data-testid="gmail-result" data-tone={result.tone}>
      <div class="banner__text">
        <strong>{result.title}</strong>
        {result.detail && <span>{result.detail}</span>}
      </div>
      <button type="button" class="button button--quiet" onClick={() => setResult(null)} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}
