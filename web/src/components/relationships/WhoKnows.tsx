import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { describeApiError } from "../../lib/api";
import { introPaths, type IntroAnswer, type IntroPath, type IntroPerson, type IntroTarget, type MemberStrength } from "../../data/relationships";
import { strengthLabel } from "../../data/strength";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { Section, When } from "../records/RecordParts";
import "./relationships.css";

export const TREND: Record<MemberStrength["trend"], string> = { rising: "↑ rising", steady: "→ steady", cooling: "↓ cooling" };
const KIND: Record<IntroPath["kind"], string> = {
  direct: "Knows them",
  via_contact: "Introduction by someone copied with them",
  colleague: "Introduction by a colleague",
};

type Loaded = { state: "loading" } | { state: "ready"; answer: IntroAnswer } | { state: "error"; error: unknown };

/**
 * "Who knows them" and warm introductions for a contact or company: each teammate's own strength with
 * them (from their mailbox's metadata) and the best paths through the team, with the mail each rests on.
 */
export function WhoKnows({ workspaceId, target, now, showPerson = false }: { workspaceId: string; target: IntroTarget; now: number; showPerson?: boolean }) {
  const { auth } = useServices();
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const key = JSON.stringify(target);
  useEffect(() => {
    let current = true;
    setLoaded({ state: "loading" });
    introPaths(auth, workspaceId, target).then(
      (answer) => current && setLoaded({ state: "ready", answer }),
      (error: unknown) => current && setLoaded({ state: "error", error }),
    );
    return () => {
      current = false;
    };
    // The target is compared by value (key): a new object with the same target fetches nothing again.
  }, [auth, workspaceId, key]);

  if (loaded.state !== "ready") {
    return (
      <Section title="Who knows them" testId="who-knows">
        {loaded.state === "error" ? <p class="form-error">{describeApiError(loaded.error)}</p> : <p class="muted">Loading…</p>}
      </Section>
    );
  }
  const { whoKnows, paths: routes } = loaded.answer;
  return (
    <>
      <Section title="Who knows them" testId="who-knows">
        {whoKnows.length === 0 ? (
          <p class="muted">Nobody on the team has written with them yet.</p>
        ) : (
          <ul class="plain-list who-knows">
            {whoKnows.map((row) => (
              <StrengthRow
                key={`${row.teammate.mailboxId}:${row.person.id}`}
                testId="who-knows-row"
                title={<strong>{row.teammate.email ?? "A teammate"}</strong>}
                score={row.score}
              >
                {showPerson && <>{personName(row.person)} · </>}
                <span data-testid="who-knows-trend">{TREND[row.trend]}</span> · {row.interactions} {row.interactions === 1 ? "email" : "emails"} · last{" "}
                <When date={row.lastMs ? new Date(row.lastMs) : null} now={now} />
              </StrengthRow>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Warm introductions" testId="intro-paths">
        {routes.length === 0 ? (
          <p class="muted">No path yet: nobody on the team knows them or anyone who was on mail with them.</p>
        ) : (
          <ol class="plain-list intro-paths">
            {routes.map((route) => (
              <li key={`${route.teammate.mailboxId}:${route.via?.id ?? ""}:${route.to.id}`} class="intro-path" data-testid="intro-path" data-kind={route.kind}>
                <p class="intro-path__route">
                  <strong>{route.teammate.email ?? "A teammate"}</strong>
                  {route.via && (
                    <>
                      {" → "}
                      <Link href={paths.contact(workspaceId, route.via.id)}>{personName(route.via)}</Link>
                    </>
                  )}
                  {" → "}
                  <Link href={paths.contact(workspaceId, route.to.id)}>{personName(route.to)}</Link>
                </p>
                <p class="muted intro-path__why">
                  {KIND[route.kind]} · {Math.round(route.score)} / 100
                  {route.evidence.map((evidence) => (
                    <span key={evidence.interactionId} data-testid="intro-evidence" data-interaction-id={evidence.interactionId}>
                      {" · "}
                      {evidence.link === "teammate" ? "their last mail" : "mail together"} <When date={new Date(evidence.atMs)} now={now} />
                    </span>
                  ))}
                </p>
              </li>
            ))}
          </ol>
        )}
      </Section>
    </>
  );
}

/** One relationship's row: who, a 0-100 meter with its level, and a line of detail. */
export function StrengthRow({ title, score, testId, children }: { title: ComponentChildren; score: number; testId: string; children: ComponentChildren }) {
  return (
    <li class="who-knows__row" data-testid={testId} data-score={score}>
      <div class="strength__head">
        {title}
        <span class="muted">
          {strengthLabel(score)} · {Math.round(score)} / 100
        </span>
      </div>
      <div class="strength__bar" aria-hidden="true">
        <span style={{ width: `${score}%` }} />
      </div>
      <p class="muted who-knows__meta">{children}</p>
    </li>
  );
}

function personName(person: IntroPerson): string {
  return person.name ?? person.email ?? person.id;
}
