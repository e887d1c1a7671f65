import { useEffect, useState } from "preact/hooks";
import type { UserProfile } from "../data/types";
import { fetchWorkspaceNames } from "../data/workspaces";
import { WORKSPACE_RENAMED } from "../data/workspaceAdmin";
import { useServices } from "../lib/services";
import { navigate, paths } from "../lib/router";

interface WorkspaceSwitcherProps {
  profile: UserProfile;
  currentWorkspaceId: string | null;
}

/** A plain label for one workspace, a select for several. */
export function WorkspaceSwitcher({ profile, currentWorkspaceId }: WorkspaceSwitcherProps) {
  const { db } = useServices();
  const memberOf = Object.keys(profile.workspaces).sort();
  // The address may name a workspace the user isn't in: keep it visible so the select stays truthful.
  const workspaceIds =
    currentWorkspaceId && !memberOf.includes(currentWorkspaceId) ? [...memberOf, currentWorkspaceId] : memberOf;
  const idsKey = workspaceIds.join("\n");
  const [names, setNames] = useState<Record<string, string>>({});

  useEffect(() => {
    let active = true;
    fetchWorkspaceNames(db, workspaceIds).then((fetched) => active && setNames(fetched));
    return () => {
      active = false;
    };
    // idsKey stands for workspaceIds' content.
  }, [db, idsKey]);

  useEffect(() => {
    const renamed = (event: Event) => {
      const { id, name } = (event as CustomEvent<{ id: string; name: string }>).detail;
      setNames((known) => ({ ...known, [id]: name }));
    };
    window.addEventListener(WORKSPACE_RENAMED, renamed);
    return () => window.removeEventListener(WORKSPACE_RENAMED, renamed);
  }, []);

  if (workspaceIds.length === 0) return null;
  const nameOf = (workspaceId: string) => names[workspaceId] ?? workspaceId;

  if (workspaceIds.length === 1 && currentWorkspaceId === workspaceIds[0]) {
    return (
      <span class="workspace-name" data-testid="workspace-name">
        {nameOf(currentWorkspaceId)}
      </span>
    );
  }
  return (
    <label class="workspace-switcher">
      <span class="visually-hidden">Workspace</span>
      <select
        class="workspace-switcher__select"
        data-testid="workspace-switcher"
        value={currentWorkspaceId ?? ""}
        onChange={(event) => navigate(paths.contacts(event.currentTarget.value))}
      >
        {!currentWorkspaceId && <option value="">Choose a workspace</option>}
        {workspaceIds.map((workspaceId) => (
          <option key={workspaceId} value={workspaceId}>
            {nameOf(workspaceId)}
          </option>
        ))}
      </select>
    </label>
  );
}
