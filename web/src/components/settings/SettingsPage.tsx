import { startGmailConnection } from "../../data/gmailApi";
import { subscribeToMailboxes } from "../../data/mailboxes";
import { subscribeToSyncPreviews, type SyncPreview } from "../../data/syncPreviews";
import { hasRole } from "../../data/roles";
import { useLiveData } from "../../data/useLiveData";
import type { MailboxStatus, WorkspaceRole } from "../../data/types";
import { describeWorkspaceFailure } from "../../data/errors";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { StatePanel } from "../StatePanel";
import { MailboxCard } from "./MailboxCard";
import { OAuthResultBanner } from "./OAuthResultBanner";
import { DeadLettersTable } from "./DeadLettersTable";
import { SyncRunsTable } from "./SyncRunsTable";
import { WorkspacePolicyCard } from "./WorkspacePolicyCard";
import { WorkspaceNameCard } from "./WorkspaceNameCard";
import { PipelineStagesCard } from "./PipelineStagesCard";
import { AiSpendCard } from "./AiSpendCard";
import { NotificationSettingsCard } from "./NotificationSettingsCard";
import { SetupChecklist } from "../team/SetupChecklist";

interface SettingsPageProps {
  workspaceId: string;
  role: WorkspaceRole | null;
}

export function SettingsPage({ workspaceId, role }: SettingsPageProps) {
  const { auth, db } = useServices();
  const mailboxes = useLiveData<MailboxStatus[]>(
    (onData, onError) => subscribeToMailboxes(db, workspaceId, onData, onError),
    [db, workspaceId],
  );
  const previews = useLiveData<Map<string, SyncPreview>>(
    (onData, onError) => subscribeToSyncPreviews(db, workspaceId, onData, onError),
    [db, workspaceId],
  );
  const now = useNow(30_000);
  const uid = auth.currentUser?.uid ?? null;
  const canSync = hasRole(role, "member");
  const isAdmin = hasRole(role, "admin");
  // Google's consent screen comes next; the oauth-callback function sends the user back here.
  const [connectAction, connect] = useAction(async () => {
    window.location.assign(await startGmailConnection(auth, workspaceId, paths.settings(workspaceId)));
    return "Opening Google…";
  });
  const connecting = connectAction.state === "pending" || connectAction.state === "done";
  const mailboxList = mailboxes.state === "ready" ? mailboxes.data : [];

  return (
    <main class="page" aria-labelledby="settings-heading">
      <h1 id="settings-heading" class="page__title">
        Settings
      </h1>
      <OAuthResultBanner />
      <SetupChecklist workspaceId={workspaceId} role={role} hideWhenDone />

      <section class="card" aria-labelledby="gmail-heading">
        <div class="card__head">
          <div>
            <h2 id="gmail-heading" class="card__title">
              Gmail
            </h2>
            <p class="card__subtitle">Each connected mailbox fills the CRM with the people it writes with, live as mail arrives.</p>
          </div>
          {canSync && (
            <button type="button" class="button button--primary" data-testid="connect-gmail" disabled={connecting} onClick={() => void connect()}>
              {connecting ? "Opening Google…" : mailboxList.length ? "Connect another mailbox" : "Connect Gmail"}
            </button>
          )}
        </div>
        {connectAction.state === "failed" && (
          <p class="form-error" role="alert" data-testid="connect-error">
            {connectAction.message}
          </p>
        )}
        {mailboxes.state === "loading" && <StatePanel busy title="Loading mailboxes…" />}
        {mailboxes.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(mailboxes.error)} />}
        {mailboxes.state === "ready" && mailboxList.length === 0 && (
          <p class="muted" data-testid="no-mailboxes">
            No mailbox is connected yet.
          </p>
        )}
        {mailboxList.length > 0 && (
          <ul class="mailbox-list">
            {mailboxList.map((mailbox) => (
              <MailboxCard
                key={mailbox.id}
                workspaceId={workspaceId}
                mailbox={mailbox}
                preview={previews.state === "ready" ? (previews.data.get(mailbox.id) ?? null) : null}
                canDecide={isAdmin}
                canSync={canSync}
                canDisconnect={isAdmin || (canSync && mailbox.ownerUid === uid)}
                canShare={mailbox.ownerUid === uid}
                now={now}
                onReconnect={() => void connect()}
              />
            ))}
          </ul>
        )}
      </section>

      <WorkspaceNameCard workspaceId={workspaceId} canEdit={isAdmin} />

      {uid && <NotificationSettingsCard workspaceId={workspaceId} uid={uid} />}

      <PipelineStagesCard workspaceId={workspaceId} canEdit={isAdmin} />

      <WorkspacePolicyCard workspaceId={workspaceId} canEdit={isAdmin} />

      {isAdmin && <AiSpendCard workspaceId={workspaceId} />}

      <section class="card" aria-labelledby="runs-heading">
        <h2 id="runs-heading" class="card__title">
          Sync history
        </h2>
        <p class="card__subtitle">
          Every sync pass and what it brought in.{isAdmin && " Undo takes a whole pass back out of the CRM; changes people made by hand stay."}
        </p>
        <SyncRunsTable workspaceId={workspaceId} mailboxes={mailboxList} canUndo={isAdmin} now={now} />
      </section>

      {isAdmin && (
        <section class="card" aria-labelledby="dead-letters-heading">
          <h2 id="dead-letters-heading" class="card__title">
            Dead letters
          </h2>
          <p class="card__subtitle">Mail Rapport could not take in, and why. Replay sends it through again once the cause is fixed.</p>
          <DeadLettersTable workspaceId={workspaceId} mailboxes={mailboxList} now={now} />
        </section>
      )}
    </main>
  );
}
