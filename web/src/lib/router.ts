import { useEffect, useState } from "preact/hooks";

/** A minimal history-based router: the app has few routes and needs no library for them. */

const NAVIGATION_EVENT = "rapport:navigate";

export function navigate(path: string, { replace = false }: { replace?: boolean } = {}): void {
  if (path === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATION_EVENT));
}

export function usePathname(): string {
  const [pathname, setPathname] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPathname(window.location.pathname);
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATION_EVENT, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATION_EVENT, update);
    };
  }, []);
  return pathname;
}

/** The pages inside a workspace; `recordId` names the contact or company a detail page shows. */
export type WorkspacePage =
  | "contacts"
  | "contact"
  | "companies"
  | "company"
  | "dashboard"
  | "deals"
  | "settings"
  | "team"
  | "welcome"
  | "imports"
  | "audit"
  | "merges"
  | "relationships";

export type Route =
  | { page: "home" }
  | { page: WorkspacePage; workspaceId: string; recordId: string | null }
  /** An invitation link: `/join/{ws}/{invitationId}` opens the first-sign-in screen with that invitation. */
  | { page: "join"; invitedTo: string; invitationId: string }
  | { page: "not-found" };

const JOIN_ROUTE = /^\/join\/([^/]+)\/([^/]+)\/?$/;

// `/w/{ws}` alone opens the contacts list.
const WORKSPACE_ROUTES: ReadonlyArray<{ pattern: RegExp; page: WorkspacePage }> = [
  { pattern: /^\/w\/([^/]+)(?:\/contacts)?\/?$/, page: "contacts" },
  { pattern: /^\/w\/([^/]+)\/contacts\/([^/]+)\/?$/, page: "contact" },
  { pattern: /^\/w\/([^/]+)\/companies\/?$/, page: "companies" },
  { pattern: /^\/w\/([^/]+)\/companies\/([^/]+)\/?$/, page: "company" },
  { pattern: /^\/w\/([^/]+)\/dashboard\/?$/, page: "dashboard" },
  { pattern: /^\/w\/([^/]+)\/deals\/?$/, page: "deals" },
  { pattern: /^\/w\/([^/]+)\/settings\/?$/, page: "settings" },
  { pattern: /^\/w\/([^/]+)\/team\/?$/, page: "team" },
  { pattern: /^\/w\/([^/]+)\/welcome\/?$/, page: "welcome" },
  { pattern: /^\/w\/([^/]+)\/imports\/?$/, page: "imports" },
  { pattern: /^\/w\/([^/]+)\/audit\/?$/, page: "audit" },
  { pattern: /^\/w\/([^/]+)\/merges\/?$/, page: "merges" },
  { pattern: /^\/w\/([^/]+)\/relationships\/?$/, page: "relationships" },
];

export function parseRoute(pathname: string): Route {
  if (pathname === "/" || pathname === "") return { page: "home" };
  const join = JOIN_ROUTE.exec(pathname);
  if (join?.[1] && join[2]) {
    return { page: "join", invitedTo: decodeURIComponent(join[1]), invitationId: decodeURIComponent(join[2]) };
  }
  for (const { pattern, page } of WORKSPACE_ROUTES) {
    const match = pattern.exec(pathname);
    if (match?.[1]) {
      const recordId = match[2] ? decodeURIComponent(match[2]) : null;
      return { page, workspaceId: decodeURIComponent(match[1]), recordId };
    }
  }
  return { page: "not-found" };
}

function workspacePath(workspaceId: string, ...rest: string[]): string {
  return `/w/${[workspaceId, ...rest].map(encodeURIComponent).join("/")}`;
}

export const paths = {
  contacts: (workspaceId: string) => workspacePath(workspaceId, "contacts"),
  contact: (workspaceId: string, contactId: string) => workspacePath(workspaceId, "contacts", contactId),
  companies: (workspaceId: string) => workspacePath(workspaceId, "companies"),
  company: (workspaceId: string, companyId: string) => workspacePath(workspaceId, "companies", companyId),
  dashboard: (workspaceId: string) => workspacePath(workspaceId, "dashboard"),
  deals: (workspaceId: string) => workspacePath(workspaceId, "deals"),
  settings: (workspaceId: string) => workspacePath(workspaceId, "settings"),
  team: (workspaceId: string) => workspacePath(workspaceId, "team"),
  welcome: (workspaceId: string) => workspacePath(workspaceId, "welcome"),
  imports: (workspaceId: string) => workspacePath(workspaceId, "imports"),
  audit: (workspaceId: string) => workspacePath(workspaceId, "audit"),
  merges: (workspaceId: string) => workspacePath(workspaceId, "merges"),
  relationships: (workspaceId: string) => workspacePath(workspaceId, "relationships"),
};
