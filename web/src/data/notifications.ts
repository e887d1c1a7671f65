import {
  collection,
  doc,
  limit,
  onSnapshot,
  orderBy,
  query,
  where,
  type DocumentData,
  type Firestore,
  type Unsubscribe,
} from "firebase/firestore";
import type { Auth } from "firebase/auth";
import { apiRequest, sendCommand } from "../lib/api";
import { toFirestoreFailure } from "./errors";
import { asString } from "./parse";
import type { FirestoreFailure } from "./types";

/**
 * The signed-in member's own notifications (shared/notifications.py): read live from
 * `workspaces/{ws}/members/{uid}/notifications`, which only they may read; marked read through the API.
 */

export type NotificationKind = "deal_assigned" | "mention" | "going_cold" | "sync_failed" | "import_failed";

export const NOTIFICATION_KINDS: readonly { kind: NotificationKind; label: string; hint: string }[] = [
  { kind: "deal_assigned", label: "A deal assigned to me", hint: "Someone makes you the owner of a deal." },
  { kind: "mention", label: "Mentions", hint: "Someone names you (@name or @email) in a note." },
  { kind: "going_cold", label: "Top contacts going cold", hint: "A strong relationship of yours goes quiet for longer than usual." },
  { kind: "sync_failed", label: "Sync problems", hint: "Your mailbox stops syncing, or mail from it could not be taken in." },
  { kind: "import_failed", label: "Failed imports", hint: "A CSV or Takeout import you started fails as a whole." },
];

export interface AppNotification {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: { kind: string; id: string } | null;
  createdAt: Date | null;
  read: boolean;
}

export const RECENT_LIMIT = 30;
export const UNREAD_LIMIT = 100; // the badge says "99+" past this

function toNotification(id: string, data: DocumentData): AppNotification {
  const link = data.link && typeof data.link === "object" ? (data.link as DocumentData) : null;
  const linkKind = asString(link?.kind);
  const linkId = asString(link?.id);
  const created = data.createdAt && typeof data.createdAt.toDate === "function" ? (data.createdAt.toDate() as Date) : null;
  return {
    id,
    kind: asString(data.kind) ?? "",
    title: asString(data.title) ?? "",
    body: asString(data.body) ?? "",
    link: linkKind && linkId ? { kind: linkKind, id: linkId } : null,
    createdAt: created,
    read: data.read === true,
  };
}

type OnError = (failure: FirestoreFailure) => void;

function notificationsOf(db: Firestore, workspaceId: string, uid: string) {
  return collection(db, "workspaces", workspaceId, "members", uid, "notifications");
}

export const liveNotifications = {
  recent: (db: Firestore, workspaceId: string, uid: string, onData: (rows: AppNotification[]) => void, onError: OnError): Unsubscribe =>
    onSnapshot(
      query(notificationsOf(db, workspaceId, uid), orderBy("createdAt", "desc"), limit(RECENT_LIMIT)),
      (snapshot) => onData(snapshot.docs.map((row) => toNotification(row.id, row.data()))),
      (error) => onError(toFirestoreFailure(error)),
    ),

  unreadCount: (db: Firestore, workspaceId: string, uid: string, onData: (count: number) => void, onError: OnError): Unsubscribe =>
    onSnapshot(
      query(notificationsOf(db, workspaceId, uid), where("read", "==", false), limit(UNREAD_LIMIT)),
      (snapshot) => onData(snapshot.size),
      (error) => onError(toFirestoreFailure(error)),
    ),

  settings: (
    db: Firestore,
    workspaceId: string,
    uid: string,
    onData: (enabled: Record<NotificationKind, boolean>) => void,
    onError: OnError,
  ): Unsubscribe =>
    onSnapshot(
      doc(db, "workspaces", workspaceId, "members", uid, "settings", "notifications"),
      (snapshot) => {
        const stored = (snapshot.exists() ? snapshot.data()?.enabled : null) as Record<string, unknown> | null;
        const enabled = Object.fromEntries(NOTIFICATION_KINDS.map(({ kind }) => [kind, stored?.[kind] !== false]));
        onData(enabled as Record<NotificationKind, boolean>);
      },
      (error) => onError(toFirestoreFailure(error)),
    ),
};

export const notificationsApi = {
  markRead: (auth: Auth, workspaceId: string, ids?: string[]) =>
    sendCommand<{ marked: number }>(auth, "mark-notifications-read", ids ? { workspaceId, ids } : { workspaceId }),
  choose: (auth: Auth, workspaceId: string, enabled: Partial<Record<NotificationKind, boolean>>) =>
    apiRequest<{ enabled: Record<NotificationKind, boolean> }>(auth, "PUT", workspaceId, "notification-settings", { enabled }),
};
