import { paths, type WorkspacePage } from "../lib/router";
import { Link } from "./Link";
import { SearchBox } from "./search/SearchBox";

// Detail pages light up the tab of their list.
const TABS: ReadonlyArray<{ label: string; href: (workspaceId: string) => string; pages: readonly WorkspacePage[] }> = [
  { label: "Dashboard", href: paths.dashboard, pages: ["dashboard"] },
  { label: "Contacts", href: paths.contacts, pages: ["contacts", "contact"] },
  { label: "Companies", href: paths.companies, pages: ["companies", "company"] },
  { label: "Deals", href: paths.deals, pages: ["deals"] },
  { label: "Team", href: paths.team, pages: ["team"] },
  { label: "Relationships", href: paths.relationships, pages: ["relationships"] },
  { label: "Settings", href: paths.settings, pages: ["settings"] },
  { label: "Imports", href: paths.imports, pages: ["imports"] },
  { label: "Audit", href: paths.audit, pages: ["audit"] },
  { label: "Duplicates", href: paths.merges, pages: ["merges"] },
];

export function WorkspaceNav({ workspaceId, page }: { workspaceId: string; page: WorkspacePage }) {
  return (
    <nav class="workspace-nav" aria-label="Workspace">
      {TABS.map((tab) => {
        const current = tab.pages.includes(page);
        return (
          <Link
            key={tab.label}
            href={tab.href(workspaceId)}
            class={`workspace-nav__tab${current ? " workspace-nav__tab--current" : ""}`}
            aria-current={current ? "page" : undefined}
            data-testid={`nav-${tab.label.toLowerCase()}`}
          >
            {tab.label}
          </Link>
        );
      })}
      <SearchBox workspaceId={workspaceId} />
    </nav>
  );
}
