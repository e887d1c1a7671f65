import { describeWorkspaceFailure } from "../../data/errors";
import { live, type CompanyDetail, type ContactDetail, type Interaction } from "../../data/records";
import { useLiveData } from "../../data/useLiveData";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { StatePanel } from "../StatePanel";
import { WhoKnows } from "../relationships/WhoKnows";
import { hasRole } from "../../data/roles";
import type { WorkspaceRole } from "../../data/types";
import { RecordDeals } from "./RecordDeals";
import { RecordFields } from "./RecordFields";
import { PresenceBar, Section, Stat, StrengthMeter, Timeline, When } from "./RecordParts";

export function CompanyPage({ workspaceId, companyId, role }: { workspaceId: string; companyId: string; role: WorkspaceRole | null }) {
  const { db } = useServices();
  const now = useNow(30_000);
  const company = useLiveData<CompanyDetail | null>((onData, onError) => live.company(db, workspaceId, companyId, onData, onError), [db, workspaceId, companyId]);
  const people = useLiveData<ContactDetail[]>(
    (onData, onError) => live.companyContacts(db, workspaceId, companyId, onData, onError),
    [db, workspaceId, companyId],
  );
  const timeline = useLiveData<Interaction[]>(
    (onData, onError) => live.timeline(db, workspaceId, "companyIds", companyId, onData, onError),
    [db, workspaceId, companyId],
  );

  if (company.state === "loading") return <StatePanel busy title="Loading company…" />;
  if (company.state === "error") return <StatePanel tone="error" {...describeWorkspaceFailure(company.error)} />;
  if (!company.data) return <StatePanel title="This company no longer exists" />;
  const record = company.data;
  const peopleRows = people.state === "ready" ? people.data : [];

  return (
    <main class="page" data-testid="company-page">
      <Link class="back-link" href={paths.companies(workspaceId)}>
        ← Companies
      </Link>
      <header class="record-head">
        <div class="record-head__text">
          <h1 class="page__title" data-testid="company-title">
            {record.name}
          </h1>
          <p class="muted record-head__sub">{record.domain}</p>
        </div>
      </header>
      <PresenceBar workspaceId={workspaceId} recordKey={`company:${companyId}`} now={now} />
      <dl class="stats">
        <Stat label="Emails and meetings" value={record.interactionCount} />
        <Stat label="People" value={peopleRows.length} testId="stat-people" />
        <Stat label="First contact" value={<When date={record.firstInteractionAt} now={now} />} />
        <Stat label="Last contact" value={<When date={record.lastInteractionAt} now={now} />} />
      </dl>
      <div class="record-grid">
        <div class="record-grid__main">
          <Section title="Timeline">
            {timeline.state === "ready" ? <Timeline interactions={timeline.data} now={now} /> : <p class="muted">Loading…</p>}
          </Section>
        </div>
        <div class="record-grid__side">
          <RecordFields workspaceId={workspaceId} kind="company" id={record.id} canEdit={hasRole(role, "member")} now={now} />
          <Section title="Relationship">
            <StrengthMeter strength={record.strength} now={now} />
          </Section>
          <WhoKnows workspaceId={workspaceId} target={{ companyId: record.id }} now={now} showPerson />
          <RecordDeals workspaceId={workspaceId} kind="company" recordId={record.id} canEdit={hasRole(role, "member")} />
          <Section title="People" testId="company-people">
            {peopleRows.length === 0 ? (
              <p class="muted">No contacts here yet.</p>
            ) : (
              <ul class="plain-list">
                {peopleRows.map((person) => (
                  <li key={person.id} data-testid="company-person">
                    <Link href={paths.contact(workspaceId, person.id)}>{person.name ?? person.email}</Link>
                    <span class="muted">
                      {" · "}
                      <When date={person.lastInteractionAt} now={now} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </div>
      </div>
    </main>
  );
}
