import { live, type ContactDetail, type Interaction, type Member, type Note, type Task } from "../../data/records";
import { hasRole } from "../../data/roles";
import type { WorkspaceRole } from "../../data/types";
import { describeWorkspaceFailure } from "../../data/errors";
import { useLiveData } from "../../data/useLiveData";
import { safeHref } from "../../lib/externalLinks";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { initialsOf } from "../AppHeader";
import { Link } from "../Link";
import { StatePanel } from "../StatePanel";
import { ContactPrivacyControls } from "../privacy/ContactPrivacyControls";
import { WhoKnows } from "../relationships/WhoKnows";
import { NoteForm, TaskForm, TaskItem } from "./AttachedForms";
import { MergeWith } from "./MergeParts";
import { RecordDeals } from "./RecordDeals";
import { RecordFields } from "./RecordFields";
import { RelationshipSummary } from "./RelationshipSummary";
import { lastAndNextMeeting, PresenceBar, Section, Stat, StrengthMeter, Timeline, When } from "./RecordParts";

// Labels for the enrichment fields providers write (shared/enrichment); others are shown by their name.
const INSIGHT_LABELS: Record<string, string> = {
  title: "Title",
  role: "Role",
  seniority: "Seniority",
  companyName: "Company",
  companyDescription: "About the company",
  website: "Website",
  phones: "Phone",
  linkedin: "LinkedIn",
  twitter: "Twitter",
  topics: "Topics",
  relationshipSummary: "Relationship",
  suggestedNextStep: "Suggested next step",
};

// Insights whose value is a web address: shown as a link when its scheme is safe to follow.
const LINK_INSIGHTS = new Set(["website", "linkedin"]);

const DAY_MS = 86_400_000;

function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  const hours = ms / 3_600_000;
  return hours < 48 ? `${Math.max(1, Math.round(hours))} h` : `${Math.round(ms / DAY_MS)} days`;
}

export function ContactPage({ workspaceId, contactId, role }: { workspaceId: string; contactId: string; role: WorkspaceRole | null }) {
  const { db } = useServices();
  const now = useNow(30_000);
  const contact = useLiveData<ContactDetail | null>((onData, onError) => live.contact(db, workspaceId, contactId, onData, onError), [db, workspaceId, contactId]);
  const timeline = useLiveData<Interaction[]>(
    (onData, onError) => live.timeline(db, workspaceId, "contactIds", contactId, onData, onError),
    [db, workspaceId, contactId],
  );
  const parentKey = `contact:${contactId}`;
  const notes = useLiveData<Note[]>((onData, onError) => live.notes(db, workspaceId, parentKey, onData, onError), [db, workspaceId, parentKey]);
  const tasks = useLiveData<Task[]>((onData, onError) => live.tasks(db, workspaceId, parentKey, onData, onError), [db, workspaceId, parentKey]);
  const members = useLiveData<Member[]>((onData, onError) => live.members(db, workspaceId, onData, onError), [db, workspaceId]);
  const memberList = members.state === "ready" ? members.data : [];
  const canEdit = hasRole(role, "member");

  if (contact.state === "loading") return <StatePanel busy title="Loading contact…" />;
  if (contact.state === "error") return <StatePanel tone="error" {...describeWorkspaceFailure(contact.error)} />;
  if (!contact.data) {
    return (
      <StatePanel title="This contact no longer exists" detail="It may have been merged or removed." testId="contact-missing">
        <Link class="button" href={paths.contacts(workspaceId)}>
          Back to contacts
        </Link>
      </StatePanel>
    );
  }
  const person = contact.data;
  const displayName = person.name ?? person.email;
  const meetings = lastAndNextMeeting(timeline.state === "ready" ? timeline.data : [], now);

  return (
    <main class="page" data-testid="contact-page" data-contact-id={person.id}>
      <Link class="back-link" href={paths.contacts(workspaceId)}>
        ← Contacts
      </Link>
      <header class="record-head">
        <span class="avatar avatar--large" aria-hidden="true">
          {initialsOf(displayName)}
        </span>
        <div class="record-head__text">
          <h1 class="page__title" data-testid="contact-title">
            {displayName}
          </h1>
          <p class="muted record-head__sub">
            {person.emails.join(" · ")}
            {person.companyId && (
              <>
                {" · "}
                <Link href={paths.company(workspaceId, person.companyId)} data-testid="contact-company-link">
                  {person.companyName ?? person.companyId}
                </Link>
              </>
            )}
          </p>
        </div>
        {person.goingCold && (
          <span class="pill pill--cold" data-testid="going-cold">
            Going cold
          </span>
        )}
      </header>
      <PresenceBar workspaceId={workspaceId} recordKey={parentKey} now={now} />
      <ContactPrivacyControls workspaceId={workspaceId} contactId={person.id} displayName={displayName} role={role} />
      {canEdit && <MergeWith workspaceId={workspaceId} contactId={person.id} />}

      <dl class="stats" data-testid="contact-stats">
        <Stat label="Emails and meetings" value={person.interactionCount} testId="stat-interactions" />
        <Stat label="You sent" value={person.sentCount} testId="stat-sent" />
        <Stat label="They sent" value={person.receivedCount} testId="stat-received" />
        <Stat label="First contact" value={<When date={person.firstInteractionAt} now={now} />} />
        <Stat label="Last contact" value={<When date={person.lastInteractionAt} now={now} />} />
        {meetings.last && <Stat label="Last meeting" value={<When date={meetings.last} now={now} />} testId="stat-last-meeting" />}
        {meetings.next && <Stat label="Next meeting" value={<When date={meetings.next} now={now} />} testId="stat-next-meeting" />}
        <Stat label="You reply in" value={formatDuration(person.myReplyAvgMs)} />
        <Stat label="They reply in" value={formatDuration(person.theirReplyAvgMs)} />
      </dl>

      <div class="record-grid">
        <div class="record-grid__main">
          <RelationshipSummary workspaceId={workspaceId} contactId={person.id} lastMail={String(person.lastInteractionAt?.getTime() ?? "")} />
          <Section title="Timeline" testId="contact-timeline">
            {timeline.state === "ready" ? (
              <Timeline interactions={timeline.data} now={now} />
            ) : timeline.state === "error" ? (
              <p class="form-error">{describeWorkspaceFailure(timeline.error).title}</p>
            ) : (
              <p class="muted">Loading…</p>
            )}
          </Section>
        </div>
        <div class="record-grid__side">
          <RecordFields workspaceId={workspaceId} kind="contact" id={person.id} canEdit={canEdit} now={now} />
          <Section title="Relationship">
            <StrengthMeter strength={person.strength} now={now} />
          </Section>
          <WhoKnows workspaceId={workspaceId} target={{ contactId: person.id }} now={now} />
          <RecordDeals workspaceId={workspaceId} kind="contact" recordId={person.id} canEdit={canEdit} />
          <Section title="Insights" testId="contact-insights">
            {person.insights.length === 0 ? (
              <p class="muted">Nothing learned yet: insights come from signatures, the company's website and AI.</p>
            ) : (
              <dl class="insights">
                {person.insights.map((insight) => (
                  <div key={insight.name} class="insight" data-testid="insight" data-name={insight.name}>
                    <dt>{INSIGHT_LABELS[insight.name] ?? insight.name}</dt>
                    <dd>
                      <InsightValue name={insight.name} value={insight.value} />
                      {insight.source && <span class="insight__source"> · {insight.source}</span>}
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </Section>
          <Section title="Tasks" testId="contact-tasks">
            {tasks.state === "ready" && tasks.data.length > 0 ? (
              <ul class="plain-list">
                {tasks.data.map((task) => (
                  <TaskItem key={task.id} workspaceId={workspaceId} task={task} members={memberList} canEdit={canEdit} />
                ))}
              </ul>
            ) : tasks.state === "error" ? (
              <p class="form-error">{describeWorkspaceFailure(tasks.error).title}</p>
            ) : (
              <p class="muted">No tasks.</p>
            )}
            {canEdit && <TaskForm workspaceId={workspaceId} parentType="contact" parentId={person.id} members={memberList} />}
          </Section>
          <Section title="Notes" testId="contact-notes">
            {notes.state === "ready" && notes.data.length > 0 ? (
              <ul class="plain-list">
                {notes.data.map((note) => (
                  <li key={note.id} class="note" data-testid="note">
                    <p>{note.body}</p>
                    <span class="muted">
                      <When date={note.createdAt} now={now} />
                    </span>
                  </li>
                ))}
              </ul>
            ) : notes.state === "error" ? (
              <p class="form-error">{describeWorkspaceFailure(notes.error).title}</p>
            ) : (
              <p class="muted">No notes.</p>
            )}
            {canEdit && <NoteForm workspaceId={workspaceId} parentType="contact" parentId={person.id} />}
          </Section>
        </div>
      </div>
    </main>
  );
}

function InsightValue({ name, value }: { name: string; value: string }) {
  const href = LINK_INSIGHTS.has(name) ? safeHref(value) : null;
  if (!href) return <>{value}</>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" data-testid="insight-link">
      {value}
    </a>
  );
}
