import type { Auth } from "firebase/auth";
import { sendCommand } from "../lib/api";
import type { SharingLevel } from "./types";

/** The Gmail connection's HTTP functions (shared/resources.json), as the settings page calls them. */

/** `sendMail` also asks Google to let Rapport send mail as the user (invitations from their Gmail). */
export async function startGmailConnection(auth: Auth, workspaceId: string, returnTo: string, sendMail = false): Promise<string> {
  const answer = await sendCommand<{ authorizationUrl: string }>(auth, "connect-gmail", { workspaceId, returnTo, ...(sendMail ? { sendMail } : {}) });
  return answer.authorizationUrl;
}

/** Google's consent for Gmail drafts only (gmail.compose); coming back, the callback creates the assistant's
 *  draft `proposalId` and returns to `returnTo` with `?draft=created|failed` (docs/decisions/0030). */
export async function startDraftGrant(auth: Auth, workspaceId: string, returnTo: string, draftProposalId: string): Promise<string> {
  const answer = await sendCommand<{ authorizationUrl: string }>(auth, "connect-gmail", { workspaceId, returnTo, draftProposalId });
  return answer.authorizationUrl;
}

/** Google's consent for the calendar alone (calendar.readonly, added to the mailbox's grant); coming back, the
 *  callback queues the first calendar sync and returns to `returnTo` with `?calendar=connected` (decision 37). */
export async function startCalendarConnection(auth: Auth, workspaceId: string, returnTo: string): Promise<string> {
  const answer = await sendCommand<{ authorizationUrl: string }>(auth, "connect-gmail", { workspaceId, returnTo, calendar: true });
  return answer.authorizationUrl;
}

export function disconnectGmail(auth: Auth, workspaceId: string, mailboxId: string, deleteData: boolean): Promise<unknown> {
  return sendCommand(auth, "disconnect-gmail", { workspaceId, mailboxId, deleteData });
}

export function requestSyncNow(auth: Auth, workspaceId: string, mailboxId: string): Promise<unknown> {
  return sendCommand(auth, "sync-now", { workspaceId, mailboxId });
}

export function undoSyncRun(auth: Auth, workspaceId: string, syncRunId: string): Promise<unknown> {
  return sendCommand(auth, "undo-sync-run", { workspaceId, syncRunId });
}

export function setMailboxSharing(auth: Auth, workspaceId: string, mailboxId: string, level: SharingLevel): Promise<unknown> {
  return sendCommand(auth, "mailbox-sharing", { workspaceId, mailboxId, level });
}
