import type { Auth } from "firebase/auth";
import { collection, doc, onSnapshot, type Firestore, type Unsubscribe } from "firebase/firestore";
import { sendCommand } from "../lib/api";
import { toFirestoreFailure } from "./errors";
import { asCount, asDate, asMap, asString } from "./parse";
import type { FirestoreFailure } from "./types";

/**
 * A mailbox's first sync, held back until an admin approves it (shared/crm/preview.py):
 * `workspaces/{ws}/syncPreviews/{mailboxId}`, and the workspace's contact policy that shapes it
 * (`workspaces/{ws}.settings`, shared/workspace_settings.py).
 */

export type PreviewState = "collecting" | "ready" | "applying" | "applied" | "discarded";
export type ContactCreation = "sent" | "sent_and_received" | "none";

export interface PreviewPerson {
  contactId: string;
  email: string;
  name: string | null;
  companyId: string | null;
  messages: number;
  sent: number;
  received: number;
  existing: boolean;
  wouldCreate: boolean;
}

export interface PreviewCompany {
  domain: string;
  name: string;
  messages: number;
  people: number;
  wouldCreate: boolean;
}

export interface AutomatedSender {
  email: string;
  reason: string;
  messages: number;
}

export interface PreviewPolicy {
  contactCreation: ContactCreation;
  blocklist: string[];
  groupThreshold: number | null;
  ownDomains: string[];
}

export interface SyncPreview {
  mailboxId: string;
  state: PreviewState | null;
  mailboxEmail: string | null;
  messages: number;
  automatedMessages: number;
  wouldCreate: { people: number; companies: number };
  wouldUpdate: { people: number };
  notCreated: { people: number };
  blocked: { people: number; messages: number };
  topPeople: PreviewPerson[];
  topCompanies: PreviewCompany[];
  automatedSenders: AutomatedSender[];
  automatedSenderCount: number;
  /** Null until the first summary (the preview is still collecting). */
  policy: PreviewPolicy | null;
  summarizedAt: Date | null;
  appliedAt: Date | null;
  discardedAt: Date | null;
}

export interface WorkspaceSettings {
  contactCreation: ContactCreation;
  blocklist: string[];
  requirePreview: boolean;
  groupThreshold: number | null;
}

/** What the backend assumes for a workspace without settings (WorkspaceSettings' defaults). */
export const DEFAULT_SETTINGS: WorkspaceSettings = {
  contactCreation: "sent",
  blocklist: [],
  requirePreview: true,
  groupThreshold: null,
};

const STATES: readonly PreviewState[] = ["collecting", "ready", "applying", "applied", "discarded"];
const CREATIONS: readonly ContactCreation[] = ["sent", "sent_and_received", "none"];

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asStrings(value: unknown): string[] {
  return asList(value).filter((item): item is string => typeof item === "string" && item.length > 0);
}

function asCreation(value: unknown): ContactCreation | null {
  return CREATIONS.includes(value as ContactCreation) ? (value as ContactCreation) : null;
}

function asThreshold(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function parsePerson(value: unknown): PreviewPerson | null {
  const data = asMap(value);
  const email = asString(data.email);
  if (!email) return null;
  return {
    contactId: asString(data.contactId) ?? email,
    email,
    name: asString(data.name),
    companyId: asString(data.companyId),
    messages: asCount(data.messages),
    sent: asCount(data.sent),
    received: asCount(data.received),
    existing: data.existing === true,
    wouldCreate: data.wouldCreate === true,
  };
}

function parseCompany(value: unknown): PreviewCompany | null {
  const data = asMap(value);
  const domain = asString(data.domain);
  if (!domain) return null;
  return {
    domain,
    name: asString(data.name) ?? domain,
    messages: asCount(data.messages),
    people: asCount(data.people),
    wouldCreate: data.wouldCreate === true,
  };
}

function parseSender(value: unknown): AutomatedSender | null {
  const data = asMap(value);
  const email = asString(data.email);
  if (!email) return null;
  return { email, reason: asString(data.reason) ?? "automated", messages: asCount(data.messages) };
}

function present<T>(items: (T | null)[]): T[] {
  return items.filter((item): item is T => item !== null);
}

export function parsePreview(mailboxId: string, data: Record<string, unknown>): SyncPreview {
  const wouldCreate = asMap(data.wouldCreate);
  const blocked = asMap(data.blocked);
  const policy = asMap(data.policy);
  const creation = asCreation(policy.contactCreation);
  return {
    mailboxId,
    state: STATES.includes(data.state as PreviewState) ? (data.state as PreviewState) : null,
    mailboxEmail: asString(data.mailboxEmail),
    messages: asCount(data.messages),
    automatedMessages: asCount(data.automatedMessages),
    wouldCreate: { people: asCount(wouldCreate.people), companies: asCount(wouldCreate.companies) },
    wouldUpdate: { people: asCount(asMap(data.wouldUpdate).people) },
    notCreated: { people: asCount(asMap(data.notCreated).people) },
    blocked: { people: asCount(blocked.people), messages: asCount(blocked.messages) },
    topPeople: present(asList(data.topPeople).map(parsePerson)),
    topCompanies: present(asList(data.topCompanies).map(parseCompany)),
    automatedSenders: present(asList(data.automatedSenders).map(parseSender)),
    automatedSenderCount: asCount(data.automatedSenderCount),
    policy: creation
      ? {
          contactCreation: creation,
          blocklist: asStrings(policy.blocklist),
          groupThreshold: asThreshold(policy.groupThreshold),
          ownDomains: asStrings(policy.ownDomains),
        }
      : null,
    summarizedAt: asDate(data.summarizedAt),
    appliedAt: asDate(data.appliedAt),
    discardedAt: asDate(data.discardedAt),
  };
}

/** Every mailbox's first-sync preview, by mailbox id, kept live. */
export function subscribeToSyncPreviews(
  db: Firestore,
  workspaceId: string,
  onPreviews: (previews: Map<string, SyncPreview>) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    collection(db, "workspaces", workspaceId, "syncPreviews"),
    (snapshot) => onPreviews(new Map(snapshot.docs.map((preview) => [preview.id, parsePreview(preview.id, preview.data())]))),
    (error) => onError(toFirestoreFailure(error)),
  );
}

export function parseSettings(value: unknown): WorkspaceSettings {
  const data = asMap(value);
  return {
    contactCreation: asCreation(data.contactCreation) ?? DEFAULT_SETTINGS.contactCreation,
    blocklist: asStrings(data.blocklist),
    requirePreview: typeof data.requirePreview === "boolean" ? data.requirePreview : DEFAULT_SETTINGS.requirePreview,
    groupThreshold: asThreshold(data.groupThreshold),
  };
}

/** The workspace's contact policy, kept live (missing fields read as the backend's defaults). */
export function subscribeToWorkspaceSettings(
  db: Firestore,
  workspaceId: string,
  onSettings: (settings: WorkspaceSettings) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  return onSnapshot(
    doc(db, "workspaces", workspaceId),
    (snapshot) => onSettings(parseSettings(snapshot.data()?.settings)),
    (error) => onError(toFirestoreFailure(error)),
  );
}

export type SettingsChange = Partial<Pick<WorkspaceSettings, "contactCreation" | "blocklist" | "requirePreview">>;

export async function updateWorkspaceSettings(auth: Auth, workspaceId: string, settings: SettingsChange): Promise<WorkspaceSettings> {
  const answer = await sendCommand<{ settings?: unknown }>(auth, "update-workspace-settings", { workspaceId, settings });
  return parseSettings(answer.settings);
}

export function approveSync(auth: Auth, workspaceId: string, mailboxId: string): Promise<unknown> {
  return sendCommand(auth, "approve-sync", { workspaceId, mailboxId });
}

export function discardSync(auth: Auth, workspaceId: string, mailboxId: string): Promise<unknown> {
  return sendCommand(auth, "discard-sync", { workspaceId, mailboxId });
}

/** The creation policies in people's words, in the order the settings offer them. */
export const CREATION_CHOICES: readonly { value: ContactCreation; label: string; hint: string }[] = [
  { value: "sent", label: "Only people we wrote to", hint: "Someone becomes a contact once the team has written to them." },
  {
    value: "sent_and_received",
    label: "People we wrote to and who wrote to us",
    hint: "Anyone who writes in becomes a contact too (machine mail is still skipped).",
  },
  { value: "none", label: "Nobody automatically", hint: "Contacts are only added by hand; their mail still shows up on them." },
];

export function creationLabel(value: ContactCreation): string {
  return CREATION_CHOICES.find((choice) => choice.value === value)?.label ?? value;
}

const HEADER_REASONS: Record<string, string> = {
  "list-unsubscribe": "mailing list (unsubscribe link)",
  "list-id": "mailing list",
  precedence: "bulk mail",
  "auto-submitted": "sent automatically",
  "x-autoreply": "auto-reply",
  "x-autorespond": "auto-reply",
};

/** Why a sender was skipped, in people's words (shared/mail/automation.py names the header or the address). */
export function describeSkipReason(reason: string): string {
  const header = /^([a-z-]+)(?: header|:)/.exec(reason)?.[1];
  if (header && HEADER_REASONS[header]) return HEADER_REASONS[header];
  if (reason.startsWith("machine sender")) return "no-reply or notification address";
  return reason;
}
