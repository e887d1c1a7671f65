import type { ComponentChildren } from "preact";
import type { WorkspaceRole } from "../data/types";
import type { Route, WorkspacePage } from "../lib/router";
import { SyncStatusBar } from "./SyncStatusBar";
import { ContactsPage } from "./ContactsPage";
import { SettingsPage } from "./settings/SettingsPage";
import { WorkspaceNav } from "./WorkspaceNav";
import { ContactPage } from "./records/ContactPage";
import { CompaniesPage } from "./records/CompaniesPage";
import { CompanyPage } from "./records/CompanyPage";
import { DashboardPage } from "./records/DashboardPage";
import { MergesPage } from "./records/MergesPage";
import { DealsPage } from "./deals/DealsPage";
import { TeamMapPage } from "./relationships/TeamMapPage";
import { TeamPage } from "./team/TeamPage";
import { WelcomePage } from "./team/WelcomePage";
import { ImportsPage } from "./imports/ImportsPage";
import { AuditPage } from "./privacy/AuditPage";
import { AssistantPanel } from "./assistant/AssistantPanel";
import type { AboutRecord } from "../data/assistant";

interface WorkspaceViewProps {
  workspaceId: string;
  route: Route;
  role: WorkspaceRole | null;
}

interface PageProps {
  workspaceId: string;
  recordId: string | null;
  role: WorkspaceRole | null;
}

// Each page owns its listeners: switching pages unmounts the old one and releases them.
const PAGES: Record<WorkspacePage, (props: PageProps) => ComponentChildren> = {
  contacts: ({ workspaceId }) => <ContactsPage workspaceId={workspaceId} />,
  contact: ({ workspaceId, recordId, role }) => <ContactPage workspaceId={workspaceId} contactId={recordId ?? ""} role={role} />,
  companies: ({ workspaceId }) => <CompaniesPage workspaceId={workspaceId} />,
  company: ({ workspaceId, recordId, role }) => <CompanyPage workspaceId={workspaceId} companyId={recordId ?? ""} role={role} />,
  dashboard: ({ workspaceId }) => <DashboardPage workspaceId={workspaceId} />,
  deals: ({ workspaceId, role }) => <DealsPage workspaceId={workspaceId} role={role} />,
  settings: ({ workspaceId, role }) => <SettingsPage workspaceId={workspaceId} role={role} />,
  team: ({ workspaceId, role }) => <TeamPage workspaceId={workspaceId} role={role} />,
  welcome: ({ workspaceId, role }) => <WelcomePage workspaceId={workspaceId} role={role} />,
  imports: ({ workspaceId, role }) => <ImportsPage workspaceId={workspaceId} role={role} />,
  audit: ({ workspaceId }) => <AuditPage workspaceId={workspaceId} />,
  merges: ({ workspaceId, role }) => <MergesPage workspaceId={workspaceId} role={role} />,
  relationships: ({ workspaceId }) => <TeamMapPage workspaceId={workspaceId} />,
};

// Lists show how far the sync has got; settings shows it in full, record pages stay calm.
const SYNC_BAR_PAGES: ReadonlySet<WorkspacePage> = new Set(["contacts", "companies", "dashboard"]);

/** The record a detail page shows, which the assistant's questions are about. */
function aboutRecord(page: WorkspacePage, recordId: string | null): AboutRecord | null {
  if (!recordId) return null;
  if (page === "contact") return { kind: "contact", id: recordId };
  if (page === "company") return { kind: "company", id: recordId };
  return null;
}

/** Everything shown for one workspace; remounted (and its listeners released) when the workspace changes. */
export function WorkspaceView({ workspaceId, route, role }: WorkspaceViewProps) {
  const page: WorkspacePage = "workspaceId" in route ? route.page : "contacts";
  const recordId = "recordId" in route ? route.recordId : null;
  const Page = PAGES[page];
  return (
    <>
      <WorkspaceNav workspaceId={workspaceId} page={page} />
      {SYNC_BAR_PAGES.has(page) && <SyncStatusBar workspaceId={workspaceId} />}
      {/* The page scrolls inside this box: focusable so the keyboard can scroll a page without controls. */}
      <div class="workspace-body" key={`${page}:${recordId ?? ""}`} tabIndex={0} role="region" aria-label="Page">
        <Page workspaceId={workspaceId} recordId={recordId} role={role} />
      </div>
      <AssistantPanel workspaceId={workspaceId} role={role} about={aboutRecord(page, recordId)} />
    </>
  );
}
