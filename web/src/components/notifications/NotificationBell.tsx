import { useEffect, useRef, useState } from "preact/hooks";
import { liveNotifications, notificationsApi, UNREAD_LIMIT, type AppNotification } from "../../data/notifications";
import { useLiveData } from "../../data/useLiveData";
import { describeWorkspaceFailure } from "../../data/errors";
import { useNow } from "../../lib/hooks";
import { formatFullDateTime, formatRelativeTime } from "../../lib/relativeTime";
import { navigate, paths } from "../../lib/router";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { StatePanel } from "../StatePanel";

interface NotificationBellProps {
  workspaceId: string;
  uid: string;
}

function linkOf(workspaceId: string, notification: AppNotification): string | null {
  const link = notification.link;
  if (!link) return null;
  if (link.kind === "deal") return paths.deals(workspaceId);
  if (link.kind === "contact") return paths.contact(workspaceId, link.id);
  if (link.kind === "company") return paths.company(workspaceId, link.id);
  if (link.kind === "settings") return paths.settings(workspaceId);
  if (link.kind === "imports") return paths.imports(workspaceId);
  return null;
}

/**
 * The header's bell: the unread count, live, and a panel of the latest notifications with mark read
 * and mark all read. Escape or a click elsewhere closes the panel and gives focus back to the bell.
 */
export function NotificationBell({ workspaceId, uid }: NotificationBellProps) {
  const { auth, db } = useServices();
  const [open, setOpen] = useState(false);
  const unread = useLiveData<number>(
    (onData, onError) => liveNotifications.unreadCount(db, workspaceId, uid, onData, onError),
    [db, workspaceId, uid],
  );
  const recent = useLiveData<AppNotification[]>(
    open ? (onData, onError) => liveNotifications.recent(db, workspaceId, uid, onData, onError) : null,
    [db, workspaceId, uid, open],
  );
  const now = useNow(60_000);
  const [markAction, markRead] = useAction(async (ids?: string[]) => {
    const { marked } = await notificationsApi.markRead(auth, workspaceId, ids);
    return marked === 1 ? "Marked read." : `${marked} marked read.`;
  });
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = `notifications-${workspaceId}`;

  useEffect(() => {
    if (!open) return undefined;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (event: MouseEvent) => {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onClick);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onClick);
    };
  }, [open]);

  const count = unread.state === "ready" ? unread.data : 0;
  const countLabel = count >= UNREAD_LIMIT ? `${UNREAD_LIMIT - 1}+` : String(count);
  const rows = recent.state === "ready" ? recent.data : [];

  const openItem = (notification: AppNotification) => {
    const target = linkOf(workspaceId, notification);
    if (!notification.read) void markRead([notification.id]);
    if (target) {
      setOpen(false);
      navigate(target);
    }
  };

  return (
    <div class="notifications" ref={root}>
      <button
        ref={button}
        type="button"
        class="button button--quiet notifications__bell"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={count ? `Notifications, ${countLabel} unread` : "Notifications"}
        data-testid="notifications-bell"
        onClick={() => setOpen(!open)}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          />
        </svg>
        {count > 0 && (
          <span class="notifications__count" data-testid="notifications-unread" aria-hidden="true">
            {countLabel}
          </span>
        )}
      </button>
      {open && (
        <section id={panelId} class="notifications__panel" aria-label="Notifications" data-testid="notifications-panel">
          <div class="notifications__head">
            <h2 class="notifications__title">Notifications</h2>
            <button
              type="button"
              class="button button--quiet"
              data-testid="notifications-mark-all"
              disabled={count === 0 || markAction.state === "pending"}
              onClick={() => void markRead()}
            >
              Mark all read
            </button>
          </div>
          {markAction.state === "failed" && (
            <p class="form-error" role="alert">
              {markAction.message}
            </p>
          )}
          {recent.state === "loading" && <StatePanel busy title="Loading notifications…" />}
          {recent.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(recent.error)} />}
          {recent.state === "ready" && rows.length === 0 && (
            <p class="muted notifications__empty" data-testid="notifications-empty">
              Nothing yet. Deals assigned to you, mentions, contacts going cold and sync problems show up here.
            </p>
          )}
          {rows.length > 0 && (
            <ul class="notifications__list">
              {rows.map((notification) => (
                <li
                  key={notification.id}
                  class={`notifications__item${notification.read ? "" : " notifications__item--unread"}`}
                  data-testid="notification"
                  data-kind={notification.kind}
                  data-read={notification.read ? "true" : "false"}
                >
                  <button type="button" class="notifications__open" onClick={() => openItem(notification)}>
                    <span class="notifications__item-title">
                      {!notification.read && <span class="visually-hidden">Unread: </span>}
                      {notification.title}
                    </span>
                    {notification.body && <span class="notifications__item-body">{notification.body}</span>}
                    {notification.createdAt && (
                      <time class="muted notifications__time" dateTime={notification.createdAt.toISOString()} title={formatFullDateTime(notification.createdAt)}>
                        {formatRelativeTime(notification.createdAt, now)}
                      </time>
                    )}
                  </button>
                  {!notification.read && (
                    <button
                      type="button"
                      class="button button--quiet notifications__mark"
                      data-testid="notification-mark-read"
                      aria-label={`Mark read: ${notification.title}`}
                      onClick={() => void markRead([notification.id])}
                    >
                      Mark read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
