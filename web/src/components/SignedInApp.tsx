import { useEffect } from "preact/hooks";
import type { User } from "firebase/auth";
import { subscribeToUserProfile } from "../data/userProfile";
import { useLiveData } from "../data/useLiveData";
import type { UserProfile } from "../data/types";
import { useServices } from "../lib/services";
import { navigate, paths, parseRoute, usePathname } from "../lib/router";
import { AppHeader } from "./AppHeader";
import { WorkspaceView } from "./WorkspaceView";
import { StatePanel } from "./StatePanel";
import { FirstSignIn } from "./team/FirstSignIn";

const LAST_WORKSPACE_KEY = "rapport.lastWorkspaceId";

/** The workspace to open when the address names none: the last one used, else the first by id. */
function defaultWorkspaceId(profile: UserProfile): string | null {
  const workspaceIds = Object.keys(profile.workspaces).sort();
  const lastUsed = window.localStorage.getItem(LAST_WORKSPACE_KEY);
  if (lastUsed && workspaceIds.includes(lastUsed)) return lastUsed;
  return workspaceIds[0] ?? null;
}

export function SignedInApp({ user }: { user: User }) {
  const { db } = useServices();
  const profile = useLiveData<UserProfile | null>(
    (onData, onError) => subscribeToUserProfile(db, user.uid, onData, onError),
    [db, user.uid],
  );
  const route = parseRoute(usePathname());
  const routedWorkspaceId = "workspaceId" in route ? route.workspaceId : null;
  const fallbackWorkspaceId = profile.state === "ready" && profile.data ? defaultWorkspaceId(profile.data) : null;

  const joining = route.page === "join";

  // "/" (and unknown paths) open a workspace the user belongs to; an invitation link stays put. A Gmail
  // connection that failed before its workspace was known comes back to "/settings": that workspace's
  // settings show the result.
  useEffect(() => {
    if (routedWorkspaceId || joining || !fallbackWorkspaceId) return;
    // The path may have moved on since this render (a workspace just created navigates to its welcome
    // page while its profile update is rendering): never send someone away from a workspace page.
    if ("workspaceId" in parseRoute(window.location.pathname)) return;
    const target =
      window.location.pathname === "/settings" ? paths.settings(fallbackWorkspaceId) + window.location.search : paths.contacts(fallbackWorkspaceId);
    navigate(target, { replace: true });
  }, [routedWorkspaceId, joining, fallbackWorkspaceId]);

  useEffect(() => {
    if (routedWorkspaceId) window.localStorage.setItem(LAST_WORKSPACE_KEY, routedWorkspaceId);
  }, [routedWorkspaceId]);

  const profileData = profile.state === "ready" ? profile.data : null;

  return (
    <div class="shell">
      <AppHeader user={user} profile={profileData} workspaceId={routedWorkspaceId} />
      {routedWorkspaceId ? (
        <WorkspaceView
          key={routedWorkspaceId}
          workspaceId={routedWorkspaceId}
          route={route}
          role={profileData?.workspaces[routedWorkspaceId] ?? null}
        />
      ) : profile.state === "error" ? (
        <StatePanel tone="error" title="Could not load your account" detail={profile.error.message} />
      ) : profile.state === "ready" && (joining || !fallbackWorkspaceId) ? (
        <FirstSignIn
          email={user.email}
          invitationId={route.page === "join" ? route.invitationId : null}
          hasWorkspaces={fallbackWorkspaceId !== null}
        />
      ) : (
        <StatePanel busy title="Loading your workspaces…" />
      )}
    </div>
  );
}
