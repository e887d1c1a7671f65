import type { WorkspaceRole } from "../../data/types";
import { SetupChecklist } from "./SetupChecklist";

/** Where a new workspace's owner lands: the checklist of what is left to set up. */
export function WelcomePage({ workspaceId, role }: { workspaceId: string; role: WorkspaceRole | null }) {
  return (
    <main class="page" aria-labelledby="welcome-heading">
      <h1 id="welcome-heading" class="page__title">
        Your workspace is ready
      </h1>
      <SetupChecklist workspaceId={workspaceId} role={role} />
    </main>
  );
}
