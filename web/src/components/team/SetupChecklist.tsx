import type { ComponentChildren } from "preact";
import { subscribeToMailboxes } from "../../data/mailboxes";
import { subscribeToSyncPreviews, type SyncPreview } from "../../data/syncPreviews";
import { subscribeToMembers, subscribeToInvitations, type Member, type PendingInvitation } from "../../data/team";
import { hasRole } from "../../data/roles";
import { useLiveData } from "../../data/useLiveData";
import type { MailboxStatus, WorkspaceRole } from "../../data/types";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { describeWorkspaceFailure } from "../../data/errors";
import { Link } from "../Link";
import { StatePanel } from "../StatePanel";

interface SetupChecklistProps {
  workspaceId: string;
  role: WorkspaceRole | null;
  /** Once everything is done the checklist steps aside, unless asked to stay (the welcome page). */
  hideWhenDone?: boolean;
}

interface Step {
  key: string;
  label: string;
  done: boolean;
  next: ComponentChildren;
}

/** Where a new workspace stands: created, Gmail connected, first sync approved, a teammate invited. */
export function SetupChecklist({ workspaceId, role, hideWhenDone = false }: SetupChecklistProps) {
  const { db } = useServices();
  const mailboxes = useLiveData<MailboxStatus[]>((onData, onError) => subscribeToMailboxes(db, workspaceId, onData, onError), [db, workspaceId]);
  const previews = useLiveData<Map<string, SyncPreview>>(
    (onData, onError) => subscribeToSyncPreviews(db, workspaceId, onData, onError),
    [db, workspaceId],
  );
  const members = useLiveData<Member[]>((onData, onError) => subscribeToMembers(db, workspaceId, onData, onError), [db, workspaceId]);
  const isAdmin = hasRole(role, "admin");
  const invitations = useLiveData<PendingInvitation[]>(
    isAdmin ? (onData, onError) => subscribeToInvitations(db, workspaceId, onData, onError) : null,
    [db, workspaceId, isAdmin],
  );
  if (mailboxes.state === "loading" || members.state === "loading") {
    return <p class="muted" aria-busy="true">Loading your setup…</p>;
  }
  // Unknown is not "not done": say the checklist cannot be shown rather than tick nothing.
  const failure = mailboxes.state === "error" ? mailboxes.error : members.state === "error" ? members.error : null;
  if (failure) return <StatePanel tone="error" testId="checklist-error" {...describeWorkspaceFailure(failure)} />;

  const connected = mailboxes.state === "ready" && mailboxes.data.length > 0;
  const previewList = previews.state === "ready" ? [...previews.data.values()] : [];
  const waitingForApproval = previewList.some((preview) => preview.state === "collecting" || preview.state === "ready");
  const approved =
    previewList.some((preview) => preview.state === "applied") ||
    (connected && !waitingForApproval && mailboxes.state === "ready" && mailboxes.data.some((mailbox) => mailbox.sync.lastSuccessAt !== null));
  const teammates = members.state === "ready" && members.data.length > 1;
  const invited = teammates || (invitations.state === "ready" && invitations.data.length > 0);

  const steps: Step[] = [
    { key: "workspace", label: "Workspace created", done: true, next: null },
    {
      key: "gmail",
      label: "Gmail connected",
      done: connected,
      next: <Link href={paths.settings(workspaceId)}>Connect Gmail in Settings</Link>,
    },
    {
      key: "sync",
      label: "First sync approved",
      done: approved,
      next: connected ? (
        <Link href={paths.settings(workspaceId)}>{waitingForApproval ? "Review the preview and approve it" : "See the sync in Settings"}</Link>
      ) : (
        <span class="muted">After Gmail is connected, you review who would become a contact, then approve.</span>
      ),
    },
    {
      key: "invite",
      label: "Teammate invited",
      done: invited,
      next: <Link href={paths.team(workspaceId)}>Invite a teammate</Link>,
    },
  ];
  const remaining = steps.filter((step) => !step.done).length;
  if (hideWhenDone && remaining === 0) return null;

  return (
    <section class="card checklist" aria-labelledby="checklist-heading" data-testid="setup-checklist">
      <h2 id="checklist-heading" class="card__title">
        Getting started
      </h2>
      <p class="card__subtitle">{remaining === 0 ? "All set: your team's CRM fills itself from now on." : `${steps.length - remaining} of ${steps.length} done.`}</p>
      <ol class="checklist__steps">
        {steps.map((step) => (
          <li key={step.key} class={`checklist__step${step.done ? " checklist__step--done" : ""}`} data-testid={`checklist-${step.key}`} data-done={step.done ? "true" : "false"}>
            <span class="checklist__mark" aria-hidden="true">
              {step.done ? "✓" : ""}
            </span>
            <span class="checklist__label">
              {step.label}
              <span class="visually-hidden">{step.done ? " (done)" : " (to do)"}</span>
            </span>
            {!step.done && <span class="checklist__next">{step.next}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
