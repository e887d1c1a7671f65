import type { Auth } from "firebase/auth";
import { userRequest } from "../lib/api";
import { asString } from "./parse";

/**
 * Mail by meaning (GET /api/mail-search, shared/mailsearch): the closest messages the signed-in user
 * may read under each mailbox's sharing level. Each search embeds the question and is paid for out of
 * the workspace's AI budget, so it runs when asked for, not on every keystroke.
 */

export interface MailHit {
  interactionId: string;
  subject: string;
  snippet: string;
  occurredAt: string | null;
  contactId: string | null;
}

export const MAX_MAIL_QUERY = 500; // shared/mailsearch/search.py MailSearchQuery.q

export async function searchMail(auth: Auth, workspaceId: string, text: string, k = 8): Promise<MailHit[]> {
  const params = new URLSearchParams({ workspaceId, q: text.slice(0, MAX_MAIL_QUERY), k: String(k) });
  const answer = await userRequest<{ items?: unknown[] }>(auth, "GET", `mail-search?${params.toString()}`);
  return (answer.items ?? [])
    .filter((item): item is Record<string, unknown> => typeof item === "object" && item !== null)
    .map((item) => {
      const contacts = Array.isArray(item.contactIds) ? item.contactIds.filter((id): id is string => typeof id === "string") : [];
      return {
        interactionId: asString(item.interactionId) ?? "",
        subject: asString(item.subject) ?? "(no subject)",
        snippet: asString(item.snippet) ?? "",
        occurredAt: asString(item.occurredAt) ?? null,
        contactId: contacts[0] ?? null,
      };
    })
    .filter((hit) => hit.interactionId !== "");
}
