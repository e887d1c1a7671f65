import { useEffect, useState } from "preact/hooks";
import {
  changeRole,
  invitationLink,
  inviteByEmail,
  removeMember,
  resendInvitation,
  revokeInvitation,
  subscribeToInvitations,
  subscribeToMembers,
  type Member,
  type PendingInvitation,
} from "../../data/team";
import { describeWorkspaceFailure } from "../../data/errors";
import { hasRole, ROLE_HINTS, ROLES } from "../../data/roles";
import { useLiveData } from "../../data/useLiveData";
import type { WorkspaceRole } from "../../data/types";
import { startGmailConnection } from "../../data/gmailApi";
import { navigate, paths } from "../../lib/router";
import { formatRelativeTime } from "../../lib/relativeTime";
import { useServices } from "../../lib/services";
import { useAction, type ActionState } from "../../lib/useAction";
import { StatePanel } from "../StatePanel";

interface TeamPageProps {
  workspaceId: string;
  role: WorkspaceRole | null;
}

/** Members and their roles, live; admins invite, resend, revoke, change roles and remove; anyone may leave. */
export function TeamPage({ workspaceId, role }: TeamPageProps) {
  const { auth, db } = useServices();
  const isAdmin = hasRole(role, "admin");
  const members = useLiveData<Member[]>((onData, onError) => subscribeToMembers(db, workspaceId, onData, onError), [db, workspaceId]);
  const invitations = useLiveData<PendingInvitation[]>(
    isAdmin ? (onData, onError) => subscribeToInvitations(db, workspaceId, onData, onError) : null,
    [db, workspaceId, isAdmin],
  );
  const myUid = auth.currentUser?.uid ?? null;

  return (
    <main class="page" aria-labelledby="team-heading">
      <h1 id="team-heading" class="page__title">
        Team
      </h1>

      {isAdmin && <InviteCard workspaceId={workspaceId} role={role} />}

      <section class="card" aria-labelledby="members-heading">
        <h2 id="members-heading" class="card__title">
          Members
        </h2>
        {members.state === "loading" && <StatePanel busy title="Loading members…" />}
        {members.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(members.error)} />}
        {members.state === "ready" && members.data.length === 0 && <p class="muted">Nobody belongs to this workspace.</p>}
        {members.state === "ready" && members.data.length > 0 && (
          <div class="table-scroll">
            <table class="data-table" data-testid="members-table">
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Role</th>
                  <th scope="col" class="actions">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.map((member) => (
                  <MemberRow key={member.uid} workspaceId={workspaceId} member={member} myRole={role} isMe={member.uid === myUid} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {isAdmin && (
        <section class="card" aria-labelledby="invitations-heading">
          <h2 id="invitations-heading" class="card__title">
            Pending invitations
          </h2>
          {invitations.state === "loading" && <StatePanel busy title="Loading invitations…" />}
          {invitations.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(invitations.error)} />}
          {invitations.state === "ready" && invitations.data.length === 0 && (
            <p class="muted" data-testid="no-pending-invitations">
              No invitation is waiting to be accepted.
            </p>
          )}
          {invitations.state === "ready" && invitations.data.length > 0 && (
            <ul class="invitation-list">
              {invitations.data.map((invitation) => (
                <InvitationRow key={invitation.id} workspaceId={workspaceId} invitation={invitation} />
              ))}
            </ul>
          )}
        </section>
      )}
    </main>
  );
}

function ActionMessage({ action, testId }: { action: ActionState; testId: string }) {
  if (action.state === "failed") {
    return (
      <p class="form-error" role="alert" data-testid={testId}>
        {action.message}
      </p>
    );
  }
  if (action.state === "done") {
    return (
      <p class="action-note" role="status" data-testid={testId}>
        {action.message}
      </p>
    );
  }
  return null;
}

function InviteCard({ workspaceId, role }: { workspaceId: string; role: WorkspaceRole | null }) {
  const { auth } = useServices();
  const [email, setEmail] = useState("");
  const [inviteRole, setInviteRole] = useState<WorkspaceRole>("member");
  const [link, setLink] = useState<string | null>(null);
  const [action, invite] = useAction(async (address: string, invitedRole: WorkspaceRole) => {
    setLink(null);
    const created = await inviteByEmail(auth, workspaceId, address, invitedRole);
    setLink(invitationLink(workspaceId, created.id));
    setEmail("");
    setSentVia(created.sentVia ?? "link");
    return created.sentVia === "gmail"
      ? `Invitation sent to ${address} from your Gmail. The link below works too.`
      : `Invitation created for ${address}. Send them the link below.`;
  });
  const [sentVia, setSentVia] = useState<"gmail" | "link" | null>(null);
  const grantable = ROLES.filter((candidate) => role === "owner" || candidate !== "owner");
  return (
    <section class="card" aria-labelledby="invite-heading">
      <h2 id="invite-heading" class="card__title">
        Invite a teammate
      </h2>
      <p class="card__subtitle">
        The invitation is a link that works for whoever signs in with the invited address. When you have let Rapport send mail as you,
        it goes out from your own Gmail; otherwise you send the link yourself.
      </p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (email.trim()) void invite(email.trim(), inviteRole);
        }}
      >
        <label class="inline-form__field inline-form__field--grow">
          <span>Email address</span>
          <input
            class="input"
            type="email"
            name="invite-email"
            data-testid="invite-email"
            required
            autoComplete="off"
            value={email}
            aria-invalid={action.state === "failed"}
            onInput={(event) => setEmail(event.currentTarget.value)}
          />
        </label>
        <label class="inline-form__field">
          <span>Role</span>
          <select class="input" data-testid="invite-role" value={inviteRole} onChange={(event) => setInviteRole(event.currentTarget.value as WorkspaceRole)}>
            {grantable.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate} — {ROLE_HINTS[candidate]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button button--primary" data-testid="send-invitation" disabled={action.state === "pending"}>
          {action.state === "pending" ? "Inviting…" : "Invite"}
        </button>
      </form>
      <ActionMessage action={action} testId="invite-result" />
      {link && <CopyableLink link={link} testId="new-invitation-link" />}
      {sentVia === "link" && <AllowGmailSending workspaceId={workspaceId} />}
    </section>
  );
}

/** The connect flow again, this time also asking Google to let Rapport send mail as you. */
function AllowGmailSending({ workspaceId }: { workspaceId: string }) {
  const { auth } = useServices();
  const [action, allow] = useAction(async () => {
    window.location.assign(await startGmailConnection(auth, workspaceId, paths.team(workspaceId), true));
    return "Opening Google…";
  });
  return (
    <div class="allow-gmail-sending">
      <p class="muted">Want invitations to go out from your Gmail? Let Rapport send mail as you (Google asks you to confirm).</p>
      <button type="button" class="button" data-testid="allow-gmail-sending" disabled={action.state === "pending"} onClick={() => void allow()}>
        Send invitations from my Gmail
      </button>
      <ActionMessage action={action} testId="allow-gmail-sending-result" />
    </div>
  );
}

function CopyableLink({ link, testId }: { link: string; testId: string }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const copy = () =>
    navigator.clipboard.writeText(link).then(
      () => setCopied("yes"),
      () => setCopied("failed"),
    );
  return (
    <div class="copy-link">
      <label class="inline-form__field inline-form__field--grow">
        <span>Invitation link</span>
        <input class="input" readOnly value={link} data-testid={testId} onFocus={(event) => event.currentTarget.select()} />
      </label>
      <button type="button" class="button" onClick={() => void copy()}>
        {copied === "yes" ? "Copied" : "Copy link"}
      </button>
      <span class="visually-hidden" role="status">
        {copied === "yes" ? "Link copied" : copied === "failed" ? "Could not copy: select the link and copy it yourself" : ""}
      </span>
    </div>
  );
}

function InvitationRow({ workspaceId, invitation }: { workspaceId: string; invitation: PendingInvitation }) {
  const { auth } = useServices();
  const [showLink, setShowLink] = useState(false);
  const [action, run] = useAction(async (what: "resend" | "revoke") => {
    if (what === "resend") {
      const renewed = await resendInvitation(auth, workspaceId, invitation.id);
      if (renewed.sentVia === "gmail") return "Sent again from your Gmail.";
      setShowLink(true);
      return "Renewed: send the link again.";
    }
    await revokeInvitation(auth, workspaceId, invitation.id);
    return "Revoked.";
  });
  const busy = action.state === "pending";
  return (
    <li class="invitation-row" data-testid="pending-invitation" data-email={invitation.email}>
      <div class="invitation-row__who">
        <strong>{invitation.email}</strong>
        <span class="muted">
          {" "}
          as {invitation.role}
          {invitation.sentAt && `, sent ${formatRelativeTime(invitation.sentAt, Date.now())}`}
        </span>
      </div>
      <div class="invitation-row__actions">
        <button type="button" class="button button--small" aria-expanded={showLink} onClick={() => setShowLink(!showLink)}>
          {showLink ? "Hide link" : "Show link"}
          <span class="visually-hidden"> for {invitation.email}</span>
        </button>
        <button type="button" class="button button--small" data-testid="resend-invitation" disabled={busy} onClick={() => void run("resend")}>
          Resend<span class="visually-hidden"> to {invitation.email}</span>
        </button>
        <button type="button" class="button button--small button--danger" data-testid="revoke-invitation" disabled={busy} onClick={() => void run("revoke")}>
          Revoke<span class="visually-hidden"> the invitation for {invitation.email}</span>
        </button>
      </div>
      <ActionMessage action={action} testId="invitation-action-result" />
      {showLink && <CopyableLink link={invitationLink(workspaceId, invitation.id)} testId="invitation-link" />}
    </li>
  );
}

interface MemberRowProps {
  workspaceId: string;
  member: Member;
  myRole: WorkspaceRole | null;
  isMe: boolean;
}

function MemberRow({ workspaceId, member, myRole, isMe }: MemberRowProps) {
  const { auth } = useServices();
  const [confirming, setConfirming] = useState(false);
  const [draftRole, setDraftRole] = useState<WorkspaceRole>(member.role);
  const [action, run] = useAction(async (change: { role: WorkspaceRole } | "remove") => {
    if (change === "remove") {
      await removeMember(auth, workspaceId, member.uid);
      if (isMe) navigate("/");
      return isMe ? "You left the workspace." : `${member.email} was removed.`;
    }
    await changeRole(auth, workspaceId, member.uid, change.role);
    return `${isMe ? "You are" : `${member.email} is`} now ${change.role}.`;
  });
  // The live role wins: after a change lands, or is refused, the picker shows what the member holds.
  useEffect(() => setDraftRole(member.role), [member.role, action.state === "failed"]);
  // Only owners touch owners; admins manage everyone else (the API enforces the same).
  const canManage = hasRole(myRole, "admin") && (myRole === "owner" || member.role !== "owner");
  const grantable = ROLES.filter((candidate) => myRole === "owner" || candidate !== "owner");
  const busy = action.state === "pending";
  const label = member.displayName ? `${member.displayName} <${member.email}>` : member.email;
  return (
    <tr data-testid="member-row" data-email={member.email} data-role={member.role}>
      <td>
        {label}
        {isMe && <span class="pill pill--me"> you</span>}
      </td>
      <td>
        {canManage ? (
          <form
            class="role-form"
            onSubmit={(event) => {
              event.preventDefault();
              if (draftRole !== member.role) void run({ role: draftRole });
            }}
          >
            <label>
              <span class="visually-hidden">Role of {member.email}</span>
              <select
                class="input"
                data-testid="member-role"
                value={draftRole}
                disabled={busy}
                onChange={(event) => setDraftRole(event.currentTarget.value as WorkspaceRole)}
              >
                {grantable.map((candidate) => (
                  <option key={candidate} value={candidate}>
                    {candidate}
                  </option>
                ))}
              </select>
            </label>
            {/* Choosing with the arrow keys changes nothing until this is pressed. */}
            {draftRole !== member.role && (
              <button type="submit" class="button button--small button--primary" data-testid="save-role" disabled={busy}>
                Change role<span class="visually-hidden"> of {member.email}</span>
              </button>
            )}
          </form>
        ) : (
          <span data-testid="member-role-label">{member.role}</span>
        )}
        <ActionMessage action={action} testId="member-action-result" />
      </td>
      <td class="actions">
        {(isMe || canManage) &&
          (confirming ? (
            <span class="confirm">
              <button
                type="button"
                class="button button--small button--danger"
                data-testid="confirm-remove-member"
                disabled={busy}
                onClick={() => {
                  setConfirming(false);
                  void run("remove");
                }}
              >
                {isMe ? "Yes, leave" : `Yes, remove`}
                <span class="visually-hidden"> {isMe ? "this workspace" : member.email}</span>
              </button>
              <button type="button" class="button button--small" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" class="button button--small" data-testid={isMe ? "leave-workspace" : "remove-member"} disabled={busy} onClick={() => setConfirming(true)}>
              {isMe ? "Leave workspace" : "Remove"}
              {!isMe && <span class="visually-hidden"> {member.email}</span>}
            </button>
          ))}
      </td>
    </tr>
  );
}
