import { useState } from "preact/hooks";

/** What oauth-callback appends when it sends the user back: `?gmail=connected|declined|error&reason=`,
 *  or `?calendar=connected` after the calendar's consent (decision 37). */
const RESULT_PARAMS = ["gmail", "calendar", "reason", "mailbox"];

interface OAuthResult {
  tone: "ok" | "error";
  title: string;
  detail: string | null;
  /** The failure's code, when it is one of ours (tests and support read it). */
  reason?: string;
}

/**
 * What each `reason` code of oauth-callback means (shared/gmail/oauth.py `ConnectFailure`). The address
 * bar is anyone's to write, so only these sentences are ever shown, never text from the URL.
 */
const FAILURE_REASONS: Record<string, string> = {
  incomplete: "The answer from Google was incomplete. Please connect again.",
  link_unknown: "This sign-in link was already used or never issued. Start connecting Gmail again.",
  link_expired: "This sign-in took too long. Start connecting Gmail again.",
  google_unavailable: "Google's sign-in service did not answer. Please try again in a moment.",
  google_refused: "Google refused the sign-in. Please connect again.",
  gmail_not_allowed: "Rapport needs permission to read Gmail: tick that box when Google asks.",
  calendar_not_allowed: "Rapport needs permission to read your calendar: tick that box when Google asks. Gmail stays connected.",
  no_offline_access: "Google granted no offline access. Remove Rapport in your Google account, then connect again.",
  other_browser:
    "This Gmail connection was started in another browser or by someone else, so nothing was connected. To connect your own Gmail, choose Connect Gmail here.",
  wrong_account:
    "The Google account that granted access is not the one you use in Rapport, so nothing was connected. Connect again and pick your own account on Google's screen.",
  unverified_account: "Google did not confirm which account granted access, so nothing was connected. Please try again.",
  unknown: "Please try again.",
};

function knownReason(reason: string | null): string | undefined {
  return reason !== null && Object.hasOwn(FAILURE_REASONS, reason) ? reason : undefined;
}

function failureSentence(reason: string | null): string {
  return FAILURE_REASONS[knownReason(reason) ?? "unknown"]!;
}

const RESULTS: Record<string, (reason: string | null) => OAuthResult> = {
  connected: () => ({ tone: "ok", title: "Gmail is connected", detail: "Rapport is reading your mail now; the progress is below." }),
  declined: () => ({
    tone: "error",
    title: "Gmail was not connected",
    detail: "Access was declined on Google's screen. Connect again and allow Rapport to read your mail.",
  }),
  error: (reason) => ({ tone: "error", title: "Gmail could not be connected", detail: failureSentence(reason), reason: knownReason(reason) }),
};

const CALENDAR_CONNECTED: OAuthResult = {
  tone: "ok",
  title: "Google Calendar is connected",
  detail: "Rapport is reading your meetings now; they show on your contacts' timelines.",
};

/** Reads the result once, then takes it out of the address bar so a reload doesn't show it again. */
function takeResultFromUrl(): OAuthResult | null {
  const url = new URL(window.location.href);
  const outcome = url.searchParams.get("gmail") ?? "";
  const describe = Object.hasOwn(RESULTS, outcome) ? RESULTS[outcome] : undefined;
  const calendarConnected = url.searchParams.get("calendar") === "connected";
  const result = calendarConnected ? CALENDAR_CONNECTED : describe ? describe(url.searchParams.get("reason")) : null;
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
    <div
      class={`banner banner--${result.tone}`}
      role={result.tone === "error" ? "alert" : "status"}
      data-testid="gmail-result"
      data-tone={result.tone}
      data-reason={result.reason}
    >
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
