import { useEffect, useState } from "preact/hooks";
import { acceptInvitation, createWorkspace, fetchMyInvitations, type InvitationForMe } from "../../data/team";
import { describeApiError } from "../../lib/api";
import { navigate, paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useAction } from "../../lib/useAction";
import { StatePanel } from "../StatePanel";

type Waiting = { state: "loading" } | { state: "ready"; invitations: InvitationForMe[] } | { state: "failed"; message: string };

interface FirstSignInProps {
  email: string | null;
  /** Set when the user came through an invitation link: that invitation is shown first. */
  invitationId?: string | null;
  /** Whether the user belongs to a workspace already (then this screen is reached by a link only). */
  hasWorkspaces: boolean;
}

/**
 * What a signed-in user without a workspace sees: the invitations waiting for their verified
 * address, and a form to start a workspace of their own.
 */
export function FirstSignIn({ email, invitationId = null, hasWorkspaces }: FirstSignInProps) {
  const { auth } = useServices();
  const [waiting, setWaiting] = useState<Waiting>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let active = true;
    setWaiting({ state: "loading" });
    fetchMyInvitations(auth).then(
      (invitations) => active && setWaiting({ state: "ready", invitations: linkedFirst(invitations, invitationId) }),
      (error: unknown) => active && setWaiting({ state: "failed", message: describeApiError(error) }),
    );
    return () => {
      active = false;
    };
  }, [auth, invitationId, attempt]);

  return (
    <main class="page onboarding" aria-labelledby="onboarding-heading" data-testid="first-sign-in">
      <h1 id="onboarding-heading" class="page__title">
        {hasWorkspaces ? "Join a workspace" : "Welcome to Rapport"}
      </h1>
      <p class="muted">
        Rapport works inside a workspace: your team's shared CRM. Join the one a teammate invited you to, or start your own.
      </p>

      <section class="card" aria-labelledby="invitations-for-me-heading">
        <h2 id="invitations-for-me-heading" class="card__title">
          Invitations for {email ?? "you"}
        </h2>
        {waiting.state === "loading" && <StatePanel busy title="Looking for invitations…" />}
        {waiting.state === "failed" && (
          <StatePanel tone="error" title="Could not look up your invitations" detail={waiting.message}>
            <button type="button" class="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </StatePanel>
        )}
        {waiting.state === "ready" && waiting.invitations.length === 0 && (
          <p class="muted" data-testid="no-invitations">
            No invitation is waiting for this address.{invitationId && " The link you followed may have been revoked or used already, or sent to another address."}
          </p>
        )}
        {waiting.state === "ready" && waiting.invitations.length > 0 && (
          <ul class="invitation-list">
            {waiting.invitations.map((invitation) => (
              <InvitationOffer key={invitation.id} invitation={invitation} highlighted={invitation.id === invitationId} />
            ))}
          </ul>
        )}
      </section>

      <CreateWorkspaceCard />
    </main>
  );
}

function linkedFirst(invitations: InvitationForMe[], invitationId: string | null): InvitationForMe[] {
  return [...invitations].sort((a, b) => Number(b.id === invitationId) - Number(a.id === invitationId));
}

function InvitationOffer({ invitation, highlighted }: { invitation: InvitationForMe; highlighted: boolean }) {
  const { auth } = useServices();
  const name = invitation.workspaceName ?? invitation.workspaceId;
  const [action, accept] = useAction(async () => {
    await acceptInvitation(auth, invitation.workspaceId, invitation.id);
    navigate(paths.team(invitation.workspaceId));
    return `You joined ${name}.`;
  });
  return (
    <li
      class={`invitation-offer${highlighted ? " invitation-offer--linked" : ""}`}
      data-testid="invitation-offer"
      data-workspace-id={invitation.workspaceId}
    >
      <div>
        <strong>{name}</strong>
        <p class="muted">
          Join as {invitation.role}
          {invitation.invitedByEmail && `, invited by ${invitation.invitedByEmail}`}
        </p>
        {action.state === "failed" && (
          <p class="form-error" role="alert">
            {action.message}
          </p>
        )}
      </div>
      <button
        type="button"
        class="button button--primary"
        data-testid="accept-invitation"
        disabled={action.state === "pending" || action.state === "done"}
        onClick={() => void accept()}
      >
        {action.state === "pending" ? "Joining…" : `Join ${name}`}
      </button>
    </li>
  );
}

function CreateWorkspaceCard() {
  const { auth } = useServices();
  const [name, setName] = useState("");
  const [action, create] = useAction(async (workspaceName: string) => {
    const workspaceId = await createWorkspace(auth, workspaceName);
    navigate(paths.welcome(workspaceId));
    return "Workspace created.";
  });
  const trimmed = name.trim();
  return (
    <section class="card" aria-labelledby="create-workspace-heading">
      <h2 id="create-workspace-heading" class="card__title">
        Start a workspace
      </h2>
      <p class="card__subtitle">You'll be its owner; next you connect Gmail and invite your team.</p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (trimmed) void create(trimmed);
        }}
      >
        <label class="inline-form__field inline-form__field--grow">
          <span>Workspace name</span>
          <input
            class="input"
            name="workspace-name"
            data-testid="workspace-name-input"
            required
            maxLength={200}
            autoComplete="organization"
            placeholder="e.g. Lumenway sales"
            value={name}
            aria-invalid={action.state === "failed"}
            aria-describedby={action.state === "failed" ? "create-workspace-error" : undefined}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button button--primary" data-testid="create-workspace" disabled={!trimmed || action.state === "pending"}>
          {action.state === "pending" ? "Creating…" : "Create workspace"}
        </button>
      </form>
      {action.state === "failed" && (
        <p id="create-workspace-error" class="form-error" role="alert">
          {action.message}
        </p>
      )}
    </section>
  );
}
