import { SyncStatusBar } from "./SyncStatusBar";
import { ContactsPage } from "./ContactsPage";

/** Everything shown for one workspace; remounted (and its listeners released) when the workspace changes. */
export function WorkspaceView({ workspaceId }: { workspaceId: string }) {
  return (
    <>
      <SyncStatusBar workspaceId={workspaceId} />
      <ContactsPage workspaceId={workspaceId} />
    </>
  );
}
