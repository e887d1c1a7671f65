import type { Auth } from "firebase/auth";
import { apiRequest, sendCommand } from "../lib/api";

/** Input the pipeline could not process (functions/dead_letters.py), as admins see it. */
export interface DeadLetter {
  id: string;
  source: string;
  reason: string;
  mailboxId: string | null;
  bytes: number;
  replayable: boolean;
  recordedAt: string | null;
  expireAt: string | null;
}

/** By mailbox, then reason, then newest first. */
export async function listDeadLetters(auth: Auth, workspaceId: string): Promise<DeadLetter[]> {
  const answer = await apiRequest<{ items: DeadLetter[] }>(auth, "GET", workspaceId, "dead-letters");
  return answer.items;
}

export function replayDeadLetter(auth: Auth, workspaceId: string, deadLetterId: string): Promise<unknown> {
  return sendCommand(auth, "dead-letters/replay", { workspaceId, deadLetterId });
}
