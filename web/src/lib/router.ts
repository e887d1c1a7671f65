import { useEffect, useState } from "preact/hooks";

/** A minimal history-based router: the app has few routes and needs no library for them. */

const NAVIGATION_EVENT = "rapport:navigate";

export function navigate(path: string, { replace = false }: { replace?: boolean } = {}): void {
  if (path === window.location.pathname) return;
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

export type Route = { page: "home" } | { page: "contacts"; workspaceId: string } | { page: "not-found" };

export function parseRoute(pathname: string): Route {
  if (pathname === "/" || pathname === "") return { page: "home" };
  const workspaceMatch = /^\/w\/([^/]+)(?:\/contacts)?\/?$/.exec(pathname);
  if (workspaceMatch?.[1]) return { page: "contacts", workspaceId: decodeURIComponent(workspaceMatch[1]) };
  return { page: "not-found" };
}

export function contactsPath(workspaceId: string): string {
  return `/w/${encodeURIComponent(workspaceId)}/contacts`;
}
