import { useEffect, useRef, useState } from "preact/hooks";
import { describeWorkspaceFailure } from "../../data/errors";
import { deleteView, saveView, subscribeToSavedViews, type SavedView } from "../../data/savedViews";
import { useLiveData } from "../../data/useLiveData";
import { useServices } from "../../lib/services";

interface SavedViewsProps {
  workspaceId: string;
  list: string;
  current: Pick<SavedView, "sort" | "filters">;
  onApply: (view: SavedView) => void;
}

/** Choose a saved view of this list, save the current sort and filters as one, or delete one's own. */
export function SavedViews({ workspaceId, list, current, onApply }: SavedViewsProps) {
  const { db, auth } = useServices();
  const uid = auth.currentUser?.uid ?? null;
  const views = useLiveData<SavedView[]>(
    uid ? (onData, onError) => subscribeToSavedViews(db, workspaceId, list, uid, onData, onError) : null,
    [db, workspaceId, list, uid],
  );
  const [chosenId, setChosenId] = useState("");
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const rows = views.state === "ready" ? views.data : [];
  const chosen = rows.find((view) => view.id === chosenId) ?? null;
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (saving) nameRef.current?.focus();
  }, [saving]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!uid || !name.trim()) return;
    try {
      const id = await saveView(db, workspaceId, uid, { name: name.trim(), list, sort: current.sort, filters: current.filters, shared });
      setChosenId(id);
      setSaving(false);
      setName("");
      setShared(false);
      setProblem(null);
    } catch {
      setProblem("The view could not be saved. Try again.");
    }
  };

  return (
    <div class="saved-views" data-testid="saved-views">
      <label class="list-controls__field">
        <span>View</span>
        <select
          class="input"
          data-testid="saved-view-select"
          value={chosenId}
          onChange={(event) => {
            const id = event.currentTarget.value;
            setChosenId(id);
            const view = rows.find((item) => item.id === id);
            if (view) onApply(view);
          }}
        >
          <option value="">{views.state === "loading" ? "Loading views…" : "Choose a saved view"}</option>
          {rows.map((view) => (
            <option key={view.id} value={view.id}>
              {view.name}
              {view.shared ? " (team)" : ""}
            </option>
          ))}
        </select>
      </label>
      {chosen && chosen.createdBy === uid && (
        <button
          type="button"
          class="button button--quiet button--small"
          data-testid="saved-view-delete"
          onClick={() => {
            setChosenId("");
            deleteView(db, workspaceId, chosen.id).catch(() => setProblem("The view could not be deleted."));
          }}
        >
          Delete view
        </button>
      )}
      {!saving && (
        <button type="button" class="button button--small" data-testid="saved-view-new" onClick={() => setSaving(true)}>
          Save view…
        </button>
      )}
      {saving && (
        <form class="saved-views__form" onSubmit={save} aria-label="Save this view">
          <label class="list-controls__field">
            <span>Name</span>
            <input
              class="input"
              data-testid="saved-view-name"
              maxLength={80}
              required
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
              ref={nameRef}
            />
          </label>
          <label class="list-controls__toggle">
            <input type="checkbox" data-testid="saved-view-shared" checked={shared} onChange={(event) => setShared(event.currentTarget.checked)} />
            <span>Share with the team</span>
          </label>
          <button type="submit" class="button button--small button--primary" data-testid="saved-view-save" disabled={!name.trim()}>
            Save
          </button>
          <button type="button" class="button button--quiet button--small" onClick={() => setSaving(false)}>
            Cancel
          </button>
        </form>
      )}
      {views.state === "error" && (
        <p class="saved-views__problem" role="alert">
          {describeWorkspaceFailure(views.error).title}
        </p>
      )}
      {problem && (
        <p class="saved-views__problem" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
