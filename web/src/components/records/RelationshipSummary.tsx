import { useEffect, useState } from "preact/hooks";
import { apiRequest, describeApiError } from "../../lib/api";
import { useServices } from "../../lib/services";
import { Section, timelineAnchor } from "./RecordParts";

/** GET /contact/{id}/summary (shared/assistant/relationship_summary.py). */
interface NextStep {
  text: string;
  interactionId: string | null;
}
interface Summary {
  summary: string | null;
  nextSteps: NextStep[];
  citations: string[];
  generatedAt: string | null;
  stale: boolean;
  note: string | null;
}

type Loaded = { state: "loading" } | { state: "ready"; summary: Summary } | { state: "error"; message: string };

function Citation({ interactionId, index }: { interactionId: string; index: number }) {
  const id = timelineAnchor(interactionId);
  return (
    <a
      href={`#${id}`}
      class="citation"
      data-testid="summary-citation"
      data-interaction-id={interactionId}
      aria-label={`Source message ${index}`}
      onClick={(event) => {
        const target = document.getElementById(id);
        if (!target) return;
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      }}
    >
      [{index}]
    </a>
  );
}

/**
 * The relationship summary and next steps for the reader, made by Gemini from the mail they may read and
 * cached on the server; asked again when the contact's newest mail changes (the server decides whether
 * that is worth a new summary). Each claim links the timeline entries it rests on.
 */
export function RelationshipSummary({ workspaceId, contactId, lastMail }: { workspaceId: string; contactId: string; lastMail: string }) {
  const { auth } = useServices();
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  useEffect(() => {
    let current = true;
    apiRequest<Summary>(auth, "GET", workspaceId, `contact/${encodeURIComponent(contactId)}/summary`)
      .then((summary) => current && setLoaded({ state: "ready", summary }))
      .catch((error: unknown) => current && setLoaded({ state: "error", message: describeApiError(error) }));
    return () => {
      current = false;
    };
  }, [auth, workspaceId, contactId, lastMail]);

  const numbered = loaded.state === "ready" ? loaded.summary.citations : [];
  const numberOf = (interactionId: string) => numbered.indexOf(interactionId) + 1;
  return (
    <Section title="Summary and next steps" testId="relationship-summary">
      {loaded.state === "loading" ? (
        <p class="muted" aria-busy="true">
          Summarising…
        </p>
      ) : loaded.state === "error" ? (
        <p class="form-error">{loaded.message}</p>
      ) : (
        <>
          {loaded.summary.summary ? (
            <p data-testid="summary-text">
              {loaded.summary.summary}{" "}
              {numbered.map((interactionId, n) => (
                <Citation key={interactionId} interactionId={interactionId} index={n + 1} />
              ))}
            </p>
          ) : (
            <p class="muted">No summary yet.</p>
          )}
          {loaded.summary.nextSteps.length > 0 && (
            <ul class="plain-list next-steps" data-testid="next-steps">
              {loaded.summary.nextSteps.map((step) => (
                <li key={step.text} data-testid="next-step">
                  {step.text}{" "}
                  {step.interactionId && numberOf(step.interactionId) > 0 && (
                    <Citation interactionId={step.interactionId} index={numberOf(step.interactionId)} />
                  )}
                </li>
              ))}
            </ul>
          )}
          {loaded.summary.note && (
            <p class="muted summary-note" data-testid="summary-note" role="status">
              {loaded.summary.note}
            </p>
          )}
        </>
      )}
    </Section>
  );
}
