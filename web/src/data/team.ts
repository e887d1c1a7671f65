import type { Auth } from "firebase/auth";
import { collection, onSnapshot, query, where, type Firestore, type Unsubscribe } from "firebase/firestore";
import { apiRequest, sendCommand, userRequest } from "../lib/api";
import { toFirestoreFailure } from "./errors";
import { asDate, asString } from "./parse";
import { isRole } from "./roles";
import type { FirestoreFailure, WorkspaceRole } from "./types";

/** A workspace's members and invitations (workspaces/{ws}/members, /invitations) and the calls that change them. */

export interface Member {
  uid: string;
  email: string;
  displayName: string | null;
  role: WorkspaceRole;
  joinedAt: Date | null;
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: WorkspaceRole;
  sentAt: Date | null;
}

/** An invitation waiting for the signed-in user, as `GET /api/accept-invitation` answers. */
export interface InvitationForMe {
  id: string;
  workspaceId: string;
  workspaceName: string | null;
  role: WorkspaceRole;
  invitedByEmail: string | null;
}

const roleOf = (value: unknown): WorkspaceRole => (isRole(value) ? value : "viewer");

/** Owners first, then by address: a stable order while roles change live. */
export function subscribeToMembers(
  db: Firestore,
  workspaceId: string,
  onMembers: (members: Member[]) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    collection(db, "workspaces", workspaceId, "members"),
    (snapshot) => {
      const members = snapshot.docs.map((document) => {
        const data = document.data();
        return {
          uid: document.id,
          email: asString(data.email) ?? "",
          displayName: asString(data.displayName),
          role: roleOf(data.role),
          joinedAt: asDate(data.joinedAt),
        };
      });
      onMembers(members.sort((a, b) => a.email.localeCompare(b.email)));
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}

/** Pending invitations, live; only admins may read them. */
export function subscribeToInvitations(
  db: Firestore,
  workspaceId: string,
  onInvitations: (invitations: PendingInvitation[]) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  const pending = query(collection(db, "workspaces", workspaceId, "invitations"), where("status", "==", "pending"));
  return onSnapshot(
    pending,
    (snapshot) => {
      const invitations = snapshot.docs.map((document) => {
        const data = document.data();
        return {
          id: document.id,
          email: asString(data.email) ?? "",
          role: roleOf(data.role),
          sentAt: asDate(data.sentAt) ?? asDate(data.createdAt),
        };
      });
      onInvitations(invitations.sort((a, b) => a.email.localeCompare(b.email)));
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}

/** The link an inviter copies and sends: it opens the invitation screen for whoever signs in with the invited address. */
export function invitationLink(workspaceId: string, invitationId: string): string {
  return `${window.location.origin}/join/${encodeURIComponent(workspaceId)}/${encodeURIComponent(invitationId)}`;
}

export async function fetchMyInvitations(auth: Auth): Promise<InvitationForMe[]> {
  const answer = await userRequest<{ items: Record<string, unknown>[] }>(auth, "GET", "accept-invitation");
  return answer.items.map((item) => ({
    id: String(item.id),
    workspaceId: String(item.workspaceId),
    workspaceName: asString(item.workspaceName),
    role: roleOf(item.role),
    invitedByEmail: asString(item.invitedByEmail),
  }));
}

export function acceptInvitation(auth: Auth, workspaceId: string, invitationId: string): Promise<unknown> {
  return sendCommand(auth, "accept-invitation", { workspaceId, invitationId });
}

export async function createWorkspace(auth: Auth, name: string): Promise<string> {
  const created = await userRequest<{ id: string }>(auth, "POST", "workspaces", { name });
  return created.id;
}

/** How an invitation went out: mailed from the inviter's Gmail, or a link for the inviter to send. */
export interface SentInvitation {
  id: string;
  sentVia?: "gmail" | "link" | null;
}

export function inviteByEmail(auth: Auth, workspaceId: string, email: string, role: WorkspaceRole): Promise<SentInvitation> {
  return apiRequest<SentInvitation>(auth, "POST", workspaceId, "invitations", { email, role });
}

export function resendInvitation(auth: Auth, workspaceId: string, invitationId: string): Promise<SentInvitation> {
  return apiRequest<SentInvitation>(auth, "POST", workspaceId, `invitation/${encodeURIComponent(invitationId)}`);
}

export function revokeInvitation(auth: Auth, workspaceId: string, invitationId: string): Promise<unknown> {
  return apiRequest(auth, "DELETE", workspaceId, `invitation/${encodeURIComponent(invitationId)}`);
}

export function changeRole(auth: Auth, workspaceId: string, uid: string, role: WorkspaceRole): Promise<unknown> {
  return apiRequest(auth, "PATCH", workspaceId, `member/${encodeURIComponent(uid)}`, { role });
}

/** Removes a member; with one's own uid, leaves the workspace. */
export function removeMember(auth: Auth, workspaceId: string, uid: string): Promise<unknown> {
  return apiRequest(auth, "DELETE", workspaceId, `member/${encodeURIComponent(uid)}`);
}
