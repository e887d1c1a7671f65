import type { User } from "firebase/auth";
import type { UserProfile } from "../data/types";
import { signOutUser } from "../lib/auth";
import { useServices } from "../lib/services";
import { WorkspaceSwitcher } from "./WorkspaceSwitcher";
import { NotificationBell } from "./notifications/NotificationBell";

interface AppHeaderProps {
  user: User;
  profile: UserProfile | null;
  workspaceId: string | null;
}

export function AppHeader({ user, profile, workspaceId }: AppHeaderProps) {
  const { auth } = useServices();
  const email = user.email ?? profile?.email ?? null;
  const displayName = user.displayName ?? profile?.displayName ?? null;
  const label = email ?? displayName ?? user.uid;
  return (
    <header class="app-header">
      <a class="brand" href="/" aria-label="Rapport home">
        <span class="brand__mark" aria-hidden="true">R</span>
        <span class="brand__name">Rapport</span>
      </a>
      {profile && <WorkspaceSwitcher profile={profile} currentWorkspaceId={workspaceId} />}
      <div class="app-header__account">
        {workspaceId && <NotificationBell workspaceId={workspaceId} uid={user.uid} />}
        <span class="account" title={displayName ? `${displayName} <${label}>` : label}>
          <span class="avatar avatar--small" aria-hidden="true">
            {initialsOf(displayName ?? label)}
          </span>
          <span class="visually-hidden">Signed in as </span>
          <span class="account__label" data-testid="signed-in-as" data-uid={user.uid} data-email={email ?? ""}>
            {label}
          </span>
        </span>
        <button type="button" class="button button--quiet" onClick={() => void signOutUser(auth)}>
          Sign out
        </button>
      </div>
    </header>
  );
}

export function initialsOf(text: string): string {
  const words = text.replace(/@.*/, "").split(/[\s._-]+/).filter(Boolean);
  const initials = words.slice(0, 2).map((word) => word[0]?.toUpperCase() ?? "");
  return initials.join("") || "?";
}
