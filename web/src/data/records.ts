import {
  collection,
  doc,
  getDoc,
  limit,
  onSnapshot,
  orderBy,
  query,
  where,
  type DocumentData,
  type Firestore,
  type QueryConstraint,
  type Unsubscribe,
} from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import { asCount, asDate, asMap, asString, dateFromMillis } from "./parse";
import type { FirestoreFailure } from "./types";

/** Live views of single records and the lists hanging off them (timeline, notes, tasks, a company's people). */

type OnError = (failure: FirestoreFailure) => void;

export interface StoredStrength {
  raw: number;
  asOfMs: number;
  halfLifeDays: number;
  scale: number;
}

export interface Insight {
  name: string;
  value: string;
  source: string | null;
}

export interface ContactDetail {
  id: string;
  email: string;
  emails: string[];
  name: string | null;
  companyId: string | null;
  companyName: string | null;
  sentCount: number;
  receivedCount: number;
  interactionCount: number;
  firstInteractionAt: Date | null;
  lastInteractionAt: Date | null;
  strength: StoredStrength | null;
  goingCold: boolean;
  myReplyAvgMs: number | null;
  theirReplyAvgMs: number | null;
  interactionsPer30Days: number | null;
  insights: Insight[];
}

export interface CompanyDetail {
  id: string;
  domain: string;
  name: string;
  interactionCount: number;
  contactCount: number;
  firstInteractionAt: Date | null;
  lastInteractionAt: Date | null;
  strength: StoredStrength | null;
}

/** Who was at a meeting from the calendar (shared/calendar/meetings.py), besides the team. */
export interface MeetingDetails {
  endsAt: Date | null;
  durationMinutes: number;
  allDay: boolean;
  attendees: { email: string; name: string | null }[];
  attendeeCount: number;
  /** Still to come: shown as upcoming, counted once it has ended. */
  pending: boolean;
}

/** A run of the author's own lines, or the quoted lines the next run answers (shared/mail/reply_context.py). */
export interface ContextBlock {
  quoted: boolean;
  text: string;
}

/**
 * A message's or meeting's metadata, with as much of its content as its mailbox's owner shares with this reader
 * (shared/sharing.py): `null` is withheld, `undefined` not read yet. A meeting's title is its subject and its
 * description its snippet.
 */
export interface Interaction {
  id: string;
  subject: string | null | undefined;
  snippet: string | null | undefined;
  /** An inline reply's own lines, each after the quoted lines it answers; empty for any other message. */
  replyContext: ContextBlock[];
  occurredAt: Date | null;
  direction: "inbound" | "outbound" | null;
  fromEmail: string | null;
  meeting: MeetingDetails | null;
}

export interface Note {
  id: string;
  body: string;
  createdAt: Date | null;
  createdBy: string | null;
}

export interface Task {
  id: string;
  title: string;
  done: boolean;
  dueDate: string | null;
  assigneeUid: string | null;
  version: number;
}

export interface Member {
  uid: string;
  email: string | null;
  displayName: string | null;
  role: string | null;
}

function asNumberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function strengthOf(value: unknown): StoredStrength | null {
  const stored = asMap(value);
  const raw = asNumberOrNull(stored.raw);
  const asOfMs = asNumberOrNull(stored.asOfMs);
  const halfLifeDays = asNumberOrNull(stored.halfLifeDays);
  const scale = asNumberOrNull(stored.scale);
  return raw === null || asOfMs === null || !halfLifeDays || !scale ? null : { raw, asOfMs, halfLifeDays, scale };
}

/** `enrichment.fields.{name}: {value, source, at}`; lists (phones, topics) are shown joined. */
function insightsOf(enrichment: unknown): Insight[] {
  return Object.entries(asMap(asMap(enrichment).fields)).flatMap(([name, field]): Insight[] => {
    const { value, source } = asMap(field);
    const text = Array.isArray(value) ? value.filter((item) => typeof item === "string").join(", ") : asString(value);
    return text ? [{ name, value: text, source: asString(source) }] : [];
  });
}

function toContactDetail(id: string, data: DocumentData): ContactDetail {
  const relationship = asMap(data.relationship);
  const email = asString(data.email) ?? id;
  return {
    id,
    email,
    emails: Array.isArray(data.emails) ? data.emails.filter((item): item is string => typeof item === "string") : [email],
    name: asString(data.name),
    companyId: asString(data.companyId),
    companyName: asString(data.companyName),
    sentCount: asCount(data.sentCount),
    receivedCount: asCount(data.receivedCount),
    interactionCount: asCount(data.interactionCount),
    firstInteractionAt: dateFromMillis(data.firstInteractionMs),
    lastInteractionAt: dateFromMillis(data.lastInteractionMs),
    strength: strengthOf(data.strength),
    goingCold: data.goingCold === true,
    myReplyAvgMs: asNumberOrNull(relationship.myReplyAvgMs),
    theirReplyAvgMs: asNumberOrNull(relationship.theirReplyAvgMs),
    interactionsPer30Days: asNumberOrNull(relationship.interactionsPer30Days),
    insights: insightsOf(data.enrichment),
  };
}

export function toCompanyDetail(id: string, data: DocumentData): CompanyDetail {
  return {
    id,
    domain: asString(data.domain) ?? id,
    name: asString(data.name) ?? asString(data.domain) ?? id,
    interactionCount: asCount(data.interactionCount),
    contactCount: asCount(data.contactCount),
    firstInteractionAt: dateFromMillis(data.firstInteractionMs),
    lastInteractionAt: dateFromMillis(data.lastInteractionMs),
    strength: strengthOf(data.strength),
  };
}

function toInteraction(id: string, data: DocumentData): Interaction {
  const direction = data.direction === "inbound" || data.direction === "outbound" ? data.direction : null;
  return {
    id,
    subject: undefined,
    snippet: undefined,
    replyContext: [],
    occurredAt: asDate(data.occurredAt),
    direction,
    fromEmail: asString(data.fromEmail),
    meeting: data.kind === "meeting" ? toMeeting(data) : null,
  };
}

function toMeeting(data: DocumentData): MeetingDetails {
  const attendees = Array.isArray(data.attendees) ? data.attendees : [];
  return {
    endsAt: typeof data.endMs === "number" ? new Date(data.endMs) : null,
    durationMinutes: asCount(data.durationMinutes),
    allDay: data.allDay === true,
    attendees: attendees
      .map((a: unknown) => asMap(a))
      .map((a) => ({ email: asString(a.email) ?? "", name: asString(a.name) }))
      .filter((a) => a.email !== ""),
    attendeeCount: asCount(data.attendeeCount),
    pending: data.pending === true,
  };
}

function toNote(id: string, data: DocumentData): Note {
  return { id, body: asString(data.body) ?? "", createdAt: asDate(data.createdAt), createdBy: asString(data.createdBy) };
}

function toTask(id: string, data: DocumentData): Task {
  return {
    id,
    title: asString(data.title) ?? "(untitled)",
    done: data.done === true,
    dueDate: asString(data.dueDate),
    assigneeUid: asString(data.assigneeUid),
    version: asNumberOrNull(data.version) ?? 0,
  };
}

function toMember(uid: string, data: DocumentData): Member {
  return { uid, email: asString(data.email), displayName: asString(data.displayName), role: asString(data.role) };
}

/** One document, live; `null` once it is known not to exist. */
function subscribeToRecord<T>(
  db: Firestore,
  path: [string, ...string[]],
  parse: (id: string, data: DocumentData) => T,
  onRecord: (record: T | null) => void,
  onError: OnError,
): Unsubscribe {
  return onSnapshot(
    doc(db, ...path),
    (snapshot) => onRecord(snapshot.exists() ? parse(snapshot.id, snapshot.data()) : null),
    (error) => onError(toFirestoreFailure(error)),
  );
}

/** A query of one workspace collection, live, parsed row by row. */
function subscribeToList<T>(
  db: Firestore,
  workspaceId: string,
  collectionName: string,
  constraints: QueryConstraint[],
  parse: (id: string, data: DocumentData) => T,
  onRows: (rows: T[]) => void,
  onError: OnError,
): Unsubscribe {
  return onSnapshot(
    query(collection(db, "workspaces", workspaceId, collectionName), ...constraints),
    (snapshot) => onRows(snapshot.docs.map((row) => parse(row.id, row.data()))),
    (error) => onError(toFirestoreFailure(error)),
  );
}

type Content = Pick<Interaction, "subject" | "snippet" | "replyContext">;

/** One part of a message's content, or `null` when the rules withhold it from this reader. */
async function contentPart(db: Firestore, path: string[]): Promise<DocumentData | null> {
  try {
    const snapshot = await getDoc(doc(db, path.join("/")));
    return snapshot.exists() ? snapshot.data() : {};
  } catch (error) {
    if (toFirestoreFailure(error).code === "permission-denied") return null;
    throw error;
  }
}

/** Stored blocks as text only: anything else a document holds is dropped, never rendered. */
function toReplyContext(value: unknown): ContextBlock[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    const block = asMap(item);
    return typeof block.text === "string" ? [{ quoted: block.quoted === true, text: block.text }] : [];
  });
}

async function readContent(db: Firestore, workspaceId: string, interactionId: string): Promise<Content> {
  const base = ["workspaces", workspaceId, "interactions", interactionId, "content"];
  const [subject, body] = await Promise.all([contentPart(db, [...base, "subject"]), contentPart(db, [...base, "body"])]);
  return {
    subject: subject && (asString(subject.subject) ?? ""),
    snippet: body && (asString(body.snippet) ?? ""),
    replyContext: body ? toReplyContext(body.replyContext) : [],
  };
}

/**
 * A record's mail, live: the interactions (metadata) by query, each one's content read once beside it,
 * since the rules judge content document by document. Staged mail is nobody's to read, so the query
 * asks for the rest (firestore.rules).
 */
function subscribeToMail(
  db: Firestore,
  workspaceId: string,
  constraints: QueryConstraint[],
  onRows: (rows: Interaction[]) => void,
  onError: OnError,
): Unsubscribe {
  const contents = new Map<string, Content>();
  let rows: Interaction[] = [];
  let closed = false;
  const publish = () => onRows(rows.map((row) => ({ ...row, ...contents.get(row.id) })));
  const unsubscribe = subscribeToList(
    db,
    workspaceId,
    "interactions",
    [where("staged", "==", false), ...constraints],
    toInteraction,
    (latest) => {
      rows = latest;
      publish();
      for (const row of latest.filter((r) => !contents.has(r.id))) {
        contents.set(row.id, { subject: undefined, snippet: undefined, replyContext: [] });
        readContent(db, workspaceId, row.id)
          .then((content) => {
            contents.set(row.id, content);
            if (!closed) publish();
          })
          .catch((error: unknown) => {
            contents.delete(row.id);
            if (!closed) onError(toFirestoreFailure(error));
          });
      }
    },
    onError,
  );
  return () => {
    closed = true;
    unsubscribe();
  };
}

const TIMELINE_LENGTH = 50;
// Meetings further ahead are not shown yet: a recurring series' far instances would fill the timeline
// (as shared/crm/timeline.py's UPCOMING_DAYS).
const UPCOMING_DAYS = 60;
const ATTACHED_LENGTH = 50;

export const live = {
  contact: (db: Firestore, workspaceId: string, contactId: string, onData: (c: ContactDetail | null) => void, onError: OnError) =>
    subscribeToRecord(db, ["workspaces", workspaceId, "contacts", contactId], toContactDetail, onData, onError),

  company: (db: Firestore, workspaceId: string, companyId: string, onData: (c: CompanyDetail | null) => void, onError: OnError) =>
    subscribeToRecord(db, ["workspaces", workspaceId, "companies", companyId], toCompanyDetail, onData, onError),

  /** Needs the composite indexes interactions(contactIds|companyIds ARRAY_CONTAINS, staged ASC, occurredAt DESC). */
  timeline: (
    db: Firestore,
    workspaceId: string,
    field: "contactIds" | "companyIds",
    recordId: string,
    onData: (rows: Interaction[]) => void,
    onError: OnError,
  ) =>
    subscribeToMail(
      db,
      workspaceId,
      [
        where(field, "array-contains", recordId),
        where("occurredAt", "<", new Date(Date.now() + UPCOMING_DAYS * 86_400_000)),
        orderBy("occurredAt", "desc"),
        limit(TIMELINE_LENGTH),
      ],
      onData,
      onError,
    ),

  /** Notes on a record (`parentKey` is `contact:{id}`), newest first. */
  notes: (db: Firestore, workspaceId: string, parentKey: string, onData: (rows: Note[]) => void, onError: OnError) =>
    subscribeToList(
      db,
      workspaceId,
      "notes",
      [where("parentKey", "==", parentKey), orderBy("createdAt", "desc"), limit(ATTACHED_LENGTH)],
      toNote,
      onData,
      onError,
    ),

  tasks: (db: Firestore, workspaceId: string, parentKey: string, onData: (rows: Task[]) => void, onError: OnError) =>
    subscribeToList(
      db,
      workspaceId,
      "tasks",
      [where("parentKey", "==", parentKey), orderBy("createdAt", "desc"), limit(ATTACHED_LENGTH)],
      toTask,
      onData,
      onError,
    ),

  /** A company's people, most recent first. Needs contacts(companyId ASC, lastInteractionMs DESC). */
  companyContacts: (db: Firestore, workspaceId: string, companyId: string, onData: (rows: ContactDetail[]) => void, onError: OnError) =>
    subscribeToList(
      db,
      workspaceId,
      "contacts",
      [where("companyId", "==", companyId), orderBy("lastInteractionMs", "desc"), limit(200)],
      toContactDetail,
      onData,
      onError,
    ),

  /** Everyone in the workspace, for choosing whom a task is for. */
  members: (db: Firestore, workspaceId: string, onData: (rows: Member[]) => void, onError: OnError) =>
    subscribeToList(db, workspaceId, "members", [limit(500)], toMember, onData, onError),

  /** Contacts past their own rhythm. Needs contacts(goingCold ASC, lastInteractionMs DESC). */
  goingCold: (db: Firestore, workspaceId: string, onData: (rows: ContactDetail[]) => void, onError: OnError) =>
    subscribeToList(
      db,
      workspaceId,
      "contacts",
      [where("goingCold", "==", true), orderBy("lastInteractionMs", "desc"), limit(12)],
      toContactDetail,
      onData,
      onError,
    ),
};
