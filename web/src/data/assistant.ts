import { collection, doc, onSnapshot, orderBy, query, where, type DocumentData, type Firestore, type Unsubscribe } from "firebase/firestore";
import type { Auth } from "firebase/auth";
import { sendCommand } from "../lib/api";
import { toFirestoreFailure } from "./errors";
import { asString } from "./parse";
import type { FirestoreFailure } from "./types";

/**
 * The signed-in user's conversation with the assistant (shared/assistant): asked through the API,
 * answers read live from `workspaces/{ws}/members/{uid}/conversations/{cid}/messages`, where the
 * server writes the text as the model streams it (docs/decisions/0024). Proposed changes are read
 * from `members/{uid}/proposals` and confirmed or declined through the API.
 */

export interface AssistantMessage {
  id: string;
  role: "user" | "assistant";
  text: string;
  status: string;
  error: string | null;
  standIn: boolean;
  proposalIds: string[];
  citations: Citation[];
  /** The record the question was asked about (its page was open), as the server named it. */
  aboutName: string | null;
}

/** The record whose page the user has open: sent with a question, shown as "About: …". */
export interface AboutRecord {
  kind: "contact" | "company" | "deal";
  id: string;
}

/** A draft the assistant proposes (tool `draft_email`): what the user reads before confirming. */
export interface ProposedDraft {
  to: string;
  subject: string;
  body: string;
  contactName: string;
  contactEmail: string;
  /** False when the model chose an address that is not the contact's own: shown plainly. */
  toIsContact: boolean;
  reply: boolean;
}

/** A message an answer relied on (mail search's hits), linked to the contact whose timeline holds it. */
export interface Citation {
  /** The number the answer's text cites the message by, as [n]. */
  source: number | null;
  interactionId: string;
  subject: string | null;
  occurredAt: string | null;
  contactId: string | null;
}

export interface AssistantProposal {
  id: string;
  summary: string;
  status: string;
  messageId: string;
  draft: ProposedDraft | null;
  /** A scope the user's Google grant lacks for this (e.g. "gmail.compose"); confirming waits for it. */
  needsGrant: string | null;
  error: string | null;
}

function toDraft(data: DocumentData): ProposedDraft | null {
  if (data.tool !== "draft_email" || typeof data.body !== "object" || data.body === null) return null;
  const body = data.body as DocumentData;
  return {
    to: asString(body.to) ?? "",
    subject: asString(body.subject) ?? "",
    body: asString(body.body) ?? "",
    contactName: asString(body.contactName) ?? "",
    contactEmail: asString(body.contactEmail) ?? "",
    toIsContact: body.toIsContact === true,
    reply: typeof body.threadId === "string" && body.threadId !== "",
  };
}

const ABOUT_COLLECTIONS: Record<AboutRecord["kind"], string> = { contact: "contacts", company: "companies", deal: "deals" };

export interface Asked {
  conversationId: string;
  questionId: string;
  messageId: string;
}

type OnError = (failure: FirestoreFailure) => void;

function toCitations(value: unknown): Citation[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((item): item is Record<string, unknown> => typeof item === "object" && item !== null && typeof item.interactionId === "string")
    .map((item) => ({
      source: typeof item.source === "number" ? item.source : null,
      interactionId: item.interactionId as string,
      subject: asString(item.subject) ?? null,
      occurredAt: asString(item.occurredAt) ?? null,
      contactId: asString(item.contactId) ?? null,
    }));
}

function toMessage(id: string, data: DocumentData): AssistantMessage {
  return {
    id,
    role: data.role === "assistant" ? "assistant" : "user",
    text: asString(data.text) ?? "",
    status: asString(data.status) ?? "",
    error: asString(data.error) ?? null,
    standIn: data.standIn === true,
    proposalIds: Array.isArray(data.proposalIds) ? data.proposalIds.filter((id: unknown): id is string => typeof id === "string") : [],
    citations: toCitations(data.citations),
    aboutName: typeof data.about === "object" && data.about !== null ? (asString((data.about as DocumentData).name) ?? null) : null,
  };
}

export const liveAssistant = {
  messages: (db: Firestore, workspaceId: string, uid: string, conversationId: string, onData: (rows: AssistantMessage[]) => void, onError: OnError): Unsubscribe =>
    onSnapshot(
      query(collection(db, "workspaces", workspaceId, "members", uid, "conversations", conversationId, "messages"), orderBy("createdAt")),
      (snapshot) => onData(snapshot.docs.map((row) => toMessage(row.id, row.data()))),
      (error) => onError(toFirestoreFailure(error)),
    ),

  proposals: (db: Firestore, workspaceId: string, uid: string, conversationId: string, onData: (rows: AssistantProposal[]) => void, onError: OnError): Unsubscribe =>
    onSnapshot(
      query(collection(db, "workspaces", workspaceId, "members", uid, "proposals"), where("conversationId", "==", conversationId)),
      (snapshot) =>
        onData(
          snapshot.docs.map((row) => ({
            id: row.id,
            summary: asString(row.data().summary) ?? "",
            status: asString(row.data().status) ?? "",
            messageId: asString(row.data().messageId) ?? "",
            draft: toDraft(row.data()),
            needsGrant: asString(row.data().needsGrant) ?? null,
            error: asString(row.data().error) ?? null,
          })),
        ),
      (error) => onError(toFirestoreFailure(error)),
    ),
};

/** The name of the record the user has open, live (one document). */
export function liveRecordName(db: Firestore, workspaceId: string, about: AboutRecord, onData: (name: string) => void, onError: OnError): Unsubscribe {
  return onSnapshot(
    doc(db, "workspaces", workspaceId, ABOUT_COLLECTIONS[about.kind], about.id),
    (snapshot) => {
      const data = snapshot.data() ?? {};
      onData(asString(data.name) ?? asString(data.email) ?? about.id);
    },
    (error) => onError(toFirestoreFailure(error)),
  );
}

export const assistantApi = {
  ask: (auth: Auth, workspaceId: string, question: string, conversationId: string | null, about: AboutRecord | null) =>
    sendCommand<Asked>(auth, "assistant/ask", {
      workspaceId,
      question,
      ...(conversationId ? { conversationId } : {}),
      ...(about ? { about } : {}),
    }),
  decide: (auth: Auth, workspaceId: string, proposalId: string, decision: "confirm" | "decline") =>
    sendCommand<{ id: string; status: string }>(auth, `assistant/proposal/${encodeURIComponent(proposalId)}/${decision}`, { workspaceId }),
};
