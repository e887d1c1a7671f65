import { useEffect, useState } from "preact/hooks";
import { liveNotifications, NOTIFICATION_KINDS, notificationsApi, type NotificationKind } from "../../data/notifications";
import { describeWorkspaceFailure } from "../../data/errors";
import { useLiveData } from "../../data/useLiveData";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { StatePanel } from "../StatePanel";
import { ActionNote } from "./ActionNote";

interface NotificationSettingsCardProps {
  workspaceId: string;
  uid: string;
}

/** Each member chooses, for themselves only, which kinds of notification they get in this workspace. */
export function NotificationSettingsCard({ workspaceId, uid }: NotificationSettingsCardProps) {
  const { auth, db } = useServices();
  const enabled = useLiveData<Record<NotificationKind, boolean>>(
    (onData, onError) => liveNotifications.settings(db, workspaceId, uid, onData, onError),
    [db, workspaceId, uid],
  );
  // A choice shows at once; the live document takes over when it arrives (or the choice is undone on failure).
  const [optimistic, setOptimistic] = useState<Partial<Record<NotificationKind, boolean>>>({});
  const live = enabled.state === "ready" ? enabled.data : null;
  useEffect(() => setOptimistic({}), [live]);
  const [action, choose] = useAction(async (kind: NotificationKind, on: boolean) => {
    setOptimistic((shown) => ({ ...shown, [kind]: on }));
    try {
      await notificationsApi.choose(auth, workspaceId, { [kind]: on });
    } catch (error) {
      setOptimistic((shown) => ({ ...shown, [kind]: undefined }));
      throw error;
    }
    return "Saved.";
  });

  return (
    <section class="card" aria-labelledby="notify-heading" data-testid="notification-settings">
      <h2 id="notify-heading" class="card__title">
        My notifications
      </h2>
      <p class="card__subtitle">What the bell tells you about in this workspace. Only you see your notifications.</p>
      {enabled.state === "loading" && <StatePanel busy title="Loading your choices…" />}
      {enabled.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(enabled.error)} />}
      {enabled.state === "ready" && (
        <fieldset class="policy__group">
          <legend class="visually-hidden">Kinds of notification</legend>
          {NOTIFICATION_KINDS.map(({ kind, label, hint }) => (
            <label key={kind} class="checkbox">
              <input
                type="checkbox"
                checked={optimistic[kind] ?? enabled.data[kind]}
                data-testid={`notify-${kind}`}
                onChange={(event) => void choose(kind, event.currentTarget.checked)}
              />
              <span>
                <span class="policy__choice-label">{label}</span>
                <span class="policy__hint">{hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      <ActionNote action={action} testId="notify" />
    </section>
  );
}
