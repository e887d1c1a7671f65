import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { announcePresence, STALE_MS, subscribeToViewers, type Viewer } from "../../data/presence";
import type { ContextBlock, Interaction, MeetingDetails, StoredStrength } from "../../data/records";
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

/** "45 min with Bo Berg, Cy Lee and 3 more", or "All day with …". */
function meetingLine(meeting: MeetingDetails): string {
  const length = meeting.allDay ? "All day" : meeting.durationMinutes >= 90 ? `${Math.round(meeting.durationMinutes / 6) / 10} h` : `${meeting.durationMinutes} min`;
  const shown = meeting.attendees.slice(0, 3).map((a) => a.name ?? a.email);
  const more = Math.max(0, meeting.attendeeCount - shown.length);
  return `${length} with ${shown.join(", ")}${more ? ` and ${more} more` : ""}`;
}

function MeetingItem({ item, meeting, now }: { item: Interaction; meeting: MeetingDetails; now: number }) {
  return (
    <li
      id={timelineAnchor(item.id)}
      tabIndex={-1}
      class="timeline__item timeline__item--meeting"
      data-testid="timeline-item"
      data-kind="meeting"
      data-upcoming={meeting.pending ? "true" : undefined}
      data-interaction-id={item.id}
    >
      <span class="timeline__direction" title="Meeting">
        ◷
      </span>
      <div class="timeline__body">
        <div class="timeline__head">
          <span class={`timeline__subject${item.subject === null ? " muted" : ""}`} data-testid="meeting-title">
            {item.subject === null ? "Meeting (title not shared)" : item.subject === undefined ? "…" : item.subject || "(untitled meeting)"}
          </span>
          <span class="timeline__when">
            {meeting.pending && <span class="pill timeline__upcoming">Upcoming</span>} <When date={item.occurredAt} now={now} />
          </span>
        </div>
        <p class="timeline__meta" data-testid="meeting-details">
          {meetingLine(meeting)}
        </p>
        {item.snippet && <p class="timeline__snippet" data-testid="meeting-notes">{item.snippet}</p>}
      </div>
    </li>
  );
}

/** The newest meeting that has begun and the soonest still to come, from a timeline's entries. */
export function lastAndNextMeeting(interactions: readonly Interaction[], now: number): { last: Date | null; next: Date | null } {
  const begun: number[] = [];
  const ahead: number[] = [];
  for (const item of interactions) {
    const at = item.meeting ? item.occurredAt?.getTime() : undefined;
    if (at !== undefined) (at <= now ? begun : ahead).push(at);
  }
  return {
    last: begun.length ? new Date(Math.max(...begun)) : null,
    next: ahead.length ? new Date(Math.min(...ahead)) : null,
  };
}

/**
 * An inline reply as it read in the mail client: the person's own lines, each after the quoted lines it
 * answers (muted). Text nodes only: whatever markup a sender wrote shows as text.
 */
function ReplyInContext({ blocks }: { blocks: readonly ContextBlock[] }) {
  return (
    <div class="timeline__context" data-testid="timeline-context">
      {blocks.map((block, index) =>
        block.quoted ? (
          <blockquote key={index} class="timeline__quote" data-testid="timeline-quote">
            {block.text}
          </blockquote>
        ) : (
          <p key={index} class="timeline__own" data-testid="timeline-own">
            {block.text}
          </p>
        ),
      )}
    </div>
  );
}

export function Timeline({ interactions, now }: { interactions: readonly Interaction[]; now: number }) {
  if (interactions.length === 0) return <p class="muted">No mail or meetings yet.</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {interactions.map((item) => item.meeting ? (
        <MeetingItem key={item.id} item={item} meeting={item.meeting} now={now} />
      ) : (
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
            {item.replyContext.length > 0 ? (
              <ReplyInContext blocks={item.replyContext} />
            ) : (
              item.snippet && <p class="timeline__snippet" data-testid="timeline-snippet">{item.snippet}</p>
            )}
          </div>
        </li>
      ),
      )}
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
