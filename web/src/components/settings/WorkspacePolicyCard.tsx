import { useEffect, useState } from "preact/hooks";
import {
  CREATION_CHOICES,
  creationLabel,
  subscribeToWorkspaceSettings,
  updateWorkspaceSettings,
  type SettingsChange,
  type WorkspaceSettings,
} from "../../data/syncPreviews";
import { describeWorkspaceFailure } from "../../data/errors";
import { useLiveData } from "../../data/useLiveData";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { StatePanel } from "../StatePanel";

interface WorkspacePolicyCardProps {
  workspaceId: string;
  canEdit: boolean;
}

/**
 * "Contacts from mail": who the sync makes a contact, who never becomes one, and whether a new
 * mailbox's first sync waits for approval. Admins change it (each change is saved at once, and
 * waiting previews are recomputed by the backend); everyone else reads it.
 */
export function WorkspacePolicyCard({ workspaceId, canEdit }: WorkspacePolicyCardProps) {
  const { auth, db } = useServices();
  const settings = useLiveData<WorkspaceSettings>(
    (onData, onError) => subscribeToWorkspaceSettings(db, workspaceId, onData, onError),
    [db, workspaceId],
  );
  const [draft, setDraft] = useState("");
  // Which part of the form the last save came from, so its answer shows next to it.
  const [savedFrom, setSavedFrom] = useState<"creation" | "blocklist" | "preview">("creation");
  const [saveAction, save] = useAction(async (change: SettingsChange) => {
    await updateWorkspaceSettings(auth, workspaceId, change);
    return "Saved. Waiting previews are recomputed under the new policy.";
  });
  const pending = saveAction.state === "pending";
  // The change being saved shows at once; the live document takes over when it arrives.
  const [optimistic, setOptimistic] = useState<SettingsChange>({});
  const live = settings.state === "ready" ? settings.data : null;
  useEffect(() => setOptimistic({}), [live]);
  const view = live ? { ...live, ...optimistic } : null;

  const change = async (from: typeof savedFrom, update: SettingsChange) => {
    setSavedFrom(from);
    setOptimistic(update);
    const ok = await save(update);
    if (!ok) setOptimistic({});
    return ok;
  };

  return (
    <section class="card" aria-labelledby="policy-heading" data-testid="workspace-policy" data-editable={canEdit ? "true" : "false"}>
      <h2 id="policy-heading" class="card__title">
        Contacts from mail
      </h2>
      <p class="card__subtitle">
        Who the sync adds to the CRM as a contact. Automated mail (newsletters, notifications, no-reply senders) never makes a contact.
        {!canEdit && " Only admins can change this."}
      </p>

      {settings.state === "loading" && <StatePanel busy title="Loading the contact policy…" />}
      {settings.state === "error" && <StatePanel tone="error" {...describeWorkspaceFailure(settings.error)} />}
      {view && (
        <div class="policy">
          <fieldset class="policy__group" disabled={!canEdit || pending} data-testid="policy-creation">
            <legend class="policy__legend">Add as contacts</legend>
            {CREATION_CHOICES.map((choice) => (
              <label key={choice.value} class="policy__choice">
                <input
                  type="radio"
                  name={`contact-creation-${workspaceId}`}
                  value={choice.value}
                  checked={view.contactCreation === choice.value}
                  data-testid={`policy-creation-${choice.value}`}
                  onChange={() => void change("creation", { contactCreation: choice.value })}
                />
                <span>
                  <span class="policy__choice-label">{choice.label}</span>
                  <span class="policy__hint">{choice.hint}</span>
                </span>
              </label>
            ))}
            {!canEdit && <span class="visually-hidden">Current policy: {creationLabel(view.contactCreation)}</span>}
          </fieldset>
          {savedFrom === "creation" && <SaveNote action={saveAction} />}

          <div class="policy__group">
            <label class="policy__legend" for={`blocklist-${workspaceId}`}>
              Never add
            </label>
            <p class="policy__hint">Addresses or whole domains (like acme.com) that never become contacts; their mail stays out of the CRM.</p>
            {view.blocklist.length > 0 ? (
              <ul class="blocklist" data-testid="blocklist">
                {view.blocklist.map((entry) => (
                  <li key={entry} class="blocklist__entry" data-testid="blocklist-entry" data-entry={entry}>
                    <span>{entry}</span>
                    {canEdit && (
                      <button
                        type="button"
                        class="blocklist__remove"
                        aria-label={`Remove ${entry}`}
                        data-testid="blocklist-remove"
                        disabled={pending}
                        onClick={() =>
                          void change("blocklist", { blocklist: view.blocklist.filter((other) => other !== entry) })
                        }
                      >
                        ×
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted" data-testid="blocklist-empty">
                Nobody is blocked.
              </p>
            )}
            {canEdit && (
              <form
                class="blocklist__add"
                onSubmit={(event) => {
                  event.preventDefault();
                  const entry = draft.trim();
                  if (!entry) return;
                  void change("blocklist", { blocklist: [...view.blocklist, entry] }).then((ok) => ok && setDraft(""));
                }}
              >
                <input
                  id={`blocklist-${workspaceId}`}
                  class="input"
                  type="text"
                  inputMode="email"
                  autoComplete="off"
                  placeholder="someone@example.com or example.com"
                  value={draft}
                  aria-invalid={savedFrom === "blocklist" && saveAction.state === "failed"}
                  aria-describedby={`blocklist-note-${workspaceId}`}
                  data-testid="blocklist-input"
                  onInput={(event) => setDraft(event.currentTarget.value)}
                />
                <button type="submit" class="button" data-testid="blocklist-add" disabled={pending || !draft.trim()}>
                  Block
                </button>
              </form>
            )}
            <div id={`blocklist-note-${workspaceId}`}>{savedFrom === "blocklist" && <SaveNote action={saveAction} testId="blocklist-error" />}</div>
          </div>

          <div class="policy__group">
            <label class="checkbox">
              <input
                type="checkbox"
                checked={view.requirePreview}
                disabled={!canEdit || pending}
                data-testid="policy-require-preview"
                onChange={(event) => void change("preview", { requirePreview: event.currentTarget.checked })}
              />
              <span>
                <span class="policy__choice-label">Preview a mailbox's first sync before it fills the CRM</span>
                <span class="policy__hint">A newly connected mailbox waits for an admin to approve what it would add.</span>
              </span>
            </label>
            {savedFrom === "preview" && <SaveNote action={saveAction} />}
          </div>
        </div>
      )}
    </section>
  );
}

function SaveNote({ action, testId }: { action: ReturnType<typeof useAction>[0]; testId?: string }) {
  if (action.state === "pending") {
    return (
      <p class="action-note" role="status">
        Saving…
      </p>
    );
  }
  if (action.state === "failed") {
    return (
      <p class="form-error policy__note" role="alert" data-testid={testId ?? "policy-error"}>
        {action.message}
      </p>
    );
  }
  if (action.state === "done") {
    return (
      <p class="action-note policy__note" role="status" data-testid="policy-saved">
        {action.message}
      </p>
    );
  }
  return null;
}
