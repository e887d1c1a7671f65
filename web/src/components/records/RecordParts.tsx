import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { announcePresence, STALE_MS, subscribeToViewers, type Viewer } from "../../data/presence";
import type { Interaction, StoredStrength } from "../../data/records";
import { strengthLabel, strengthNow } from "../../data/strength";
import { formatFullDateTime, formatRelativeTime } from "../../lib/relativeTime";
import { useServices } from "../../lib/services";
import { initialsOf } from "../AppHeader";

/** Pieces the contact and company pages share. */

const numberFormat = new Intl.NumberFormat();

export function Stat({ label, value, testId }: { label: string; value: ComponentChildren; testId?: string }) {
  return (
    <div class="stat" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{typeof value === "number" ? numberFormat.format(value) : value}</dd>
    </div>
  );
}

export function When({ date, now }: { date: Date | null; now: number }) {
  if (!date) return <>—</>;
  return (
    <time dateTime={date.toISOString()} title={formatFullDateTime(date)}>
      {formatRelativeTime(date, now)}
    </time>
  );
}

export function StrengthMeter({ strength, now }: { strength: StoredStrength | null; now: number }) {
  if (!strength) return <p class="muted">Not measured yet: strength appears after the next relationship refresh.</p>;
  const score = strengthNow(strength, now);
  return (
    <div class="strength" data-testid="relationship-strength" data-score={score}>
      <div class="strength__head">
        <strong>{strengthLabel(score)}</strong>
        <span class="muted">{score} / 100</span>
      </div>
      <div class="strength__bar" aria-hidden="true">
        <span style={{ width: `${score}%` }} />
      </div>
    </div>
  );
}

/** The element id of a timeline entry, which a citation elsewhere on the page links to. */
export function timelineAnchor(interactionId: string): string {
  return `interaction-${interactionId}`;
}

export function Timeline({ interactions, now }: { interactions: readonly Interaction[]; now: number }) {
  if (interactions.length === 0) return <p class="muted">No mail yet.</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {interactions.map((item) => (
        <li
          key={item.id}
          id={timelineAnchor(item.id)}
          tabIndex={-1}
          class={`timeline__item timeline__item--${item.direction ?? "unknown"}`}
          data-testid="timeline-item"
          data-interaction-id={item.id}
        >
          <span class="timeline__direction" title={item.direction === "outbound" ? "Your team wrote" : "They wrote"}>
            {item.direction === "outbound" ? "↗" : "↙"}
          </span>
          <div class="timeline__body">
            <div class="timeline__head">
              <span class={`timeline__subject${item.subject === null ? " muted" : ""}`} data-testid="timeline-subject">
                {item.subject === null ? "Subject not shared" : item.subject === undefined ? "…" : item.subject || "(no subject)"}
              </span>
              <span class="timeline__when">
                <When date={item.occurredAt} now={now} />
              </span>
            </div>
            {item.snippet && <p class="timeline__snippet" data-testid="timeline-snippet">{item.snippet}</p>}
          </div>
        </li>
      ))}
    </ol>
  );
}

export function Section({ title, children, testId }: { title: string; children: ComponentChildren; testId?: string }) {
  return (
    <section class="card" data-testid={testId}>
      <h2 class="card__title card__title--spaced">{title}</h2>
      {children}
    </section>
  );
}

/** Announces this user on the record and shows who else has it open; both end when the view closes. */
export function PresenceBar({ workspaceId, recordKey, now }: { workspaceId: string; recordKey: string; now: number }) {
  const { auth, db } = useServices();
  const user = auth.currentUser;
  const [viewers, setViewers] = useState<Viewer[]>([]);
  useEffect(() => {
    if (!user) return undefined;
    const leave = announcePresence(db, workspaceId, user.uid, user.displayName ?? user.email ?? "A teammate", recordKey);
    const unsubscribe = subscribeToViewers(db, workspaceId, recordKey, user.uid, setViewers);
    return () => {
      unsubscribe();
      leave();
    };
  }, [db, workspaceId, recordKey, user?.uid]);
  const fresh = viewers.filter((viewer) => now - viewer.at.getTime() < STALE_MS);
  if (fresh.length === 0) return null;
  return (
    <div class="presence" data-testid="presence" aria-live="polite">
      {fresh.map((viewer) => (
        <span key={viewer.uid} class="avatar avatar--small" title={viewer.name} data-testid="presence-viewer" data-uid={viewer.uid}>
          {initialsOf(viewer.name)}
        </span>
      ))}
      <span class="muted">{fresh.length === 1 ? `${fresh[0]?.name} is here too` : `${fresh.length} teammates are here too`}</span>
    </div>
  );
}
