import { useEffect, useState } from "preact/hooks";
import { doc, onSnapshot } from "firebase/firestore";
import { workspaceAdmin } from "../../data/workspaceAdmin";
import { toFirestoreFailure } from "../../data/errors";
import { asString } from "../../data/parse";
import { useLiveData } from "../../data/useLiveData";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { ActionNote } from "./ActionNote";

interface WorkspaceNameCardProps {
  workspaceId: string;
  canEdit: boolean;
}

/** The workspace's name, as everyone sees it in the switcher; admins rename it. */
export function WorkspaceNameCard({ workspaceId, canEdit }: WorkspaceNameCardProps) {
  const { auth, db } = useServices();
  const name = useLiveData<string>(
    (onData, onError) =>
      onSnapshot(
        doc(db, "workspaces", workspaceId),
        (snapshot) => onData(asString(snapshot.data()?.name) ?? ""),
        (error) => onError(toFirestoreFailure(error)),
      ),
    [db, workspaceId],
  );
  const current = name.state === "ready" ? name.data : "";
  const [draft, setDraft] = useState(current);
  useEffect(() => setDraft(current), [current]);
  const [action, rename] = useAction(async (next: string) => {
    await workspaceAdmin.rename(auth, workspaceId, next);
    return "Renamed.";
  });
  const inputId = `workspace-name-${workspaceId}`;
  const trimmed = draft.trim();

  return (
    <section class="card" aria-labelledby="workspace-heading" data-testid="workspace-name-card">
      <h2 id="workspace-heading" class="card__title">
        Workspace
      </h2>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (trimmed && trimmed !== current) void rename(trimmed);
        }}
      >
        <label class="inline-form__field inline-form__field--grow">
          <span>Name</span>
          <input
            id={inputId}
            class="text-input"
            type="text"
            maxLength={200}
            value={draft}
            disabled={!canEdit || action.state === "pending"}
            data-testid="workspace-name-input"
            onInput={(event) => setDraft(event.currentTarget.value)}
          />
        </label>
        {canEdit && (
          <button type="submit" class="button" data-testid="workspace-rename" disabled={!trimmed || trimmed === current || action.state === "pending"}>
            Rename
          </button>
        )}
      </form>
      {!canEdit && <p class="muted">Only admins can rename the workspace.</p>}
      <ActionNote action={action} testId="workspace-rename" />
    </section>
  );
}
