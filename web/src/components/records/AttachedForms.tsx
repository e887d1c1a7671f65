import { useEffect, useState } from "preact/hooks";
import type { Member, Task } from "../../data/records";
import { ApiError, apiRequest, describeApiError } from "../../lib/api";
import { useServices } from "../../lib/services";

/** Adding notes and tasks to a record, and ticking tasks off; the lists themselves follow Firestore live. */

type ParentType = "contact" | "company" | "deal";

export function memberLabel(members: readonly Member[], uid: string | null): string | null {
  if (!uid) return null;
  const member = members.find((entry) => entry.uid === uid);
  return member?.displayName ?? member?.email ?? uid;
}

export function NoteForm({ workspaceId, parentType, parentId }: { workspaceId: string; parentType: ParentType; parentId: string }) {
  const { auth } = useServices();
  const [body, setBody] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    if (!body.trim()) return;
    setSaving(true);
    setError(null);
    try {
      await apiRequest(auth, "POST", workspaceId, "notes", { parentType, parentId, body: body.trim() });
      setBody("");
    } catch (failure) {
      setError(describeApiError(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="attached-form" data-testid="note-form" onSubmit={(event) => void submit(event)}>
      <label class="visually-hidden" for={`note-body-${parentId}`}>
        New note
      </label>
      <textarea
        id={`note-body-${parentId}`}
        class="text-input attached-form__text"
        data-testid="note-body"
        rows={3}
        maxLength={10000}
        placeholder="Add a note…"
        value={body}
        onInput={(event) => setBody(event.currentTarget.value)}
      />
      <div class="attached-form__actions">
        <button type="submit" class="button button--small button--primary" data-testid="note-submit" disabled={saving || !body.trim()}>
          {saving ? "Saving…" : "Add note"}
        </button>
      </div>
      {error && (
        <p class="form-error" role="alert" data-testid="note-error">
          {error}
        </p>
      )}
    </form>
  );
}

interface TaskFormProps {
  workspaceId: string;
  parentType: ParentType;
  parentId: string;
  members: readonly Member[];
}

export function TaskForm({ workspaceId, parentType, parentId, members }: TaskFormProps) {
  const { auth } = useServices();
  const [title, setTitle] = useState("");
  const [assignee, setAssignee] = useState(auth.currentUser?.uid ?? "");
  const [dueDate, setDueDate] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    if (!title.trim()) return;
    setSaving(true);
    setError(null);
    const body: Record<string, unknown> = { title: title.trim(), parentType, parentId };
    if (assignee) body.assigneeUid = assignee;
    if (dueDate) body.dueDate = dueDate;
    try {
      await apiRequest(auth, "POST", workspaceId, "tasks", body);
      setTitle("");
      setDueDate("");
    } catch (failure) {
      setError(describeApiError(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="attached-form" data-testid="task-form" onSubmit={(event) => void submit(event)}>
      <label class="attached-form__field">
        <span class="visually-hidden">Task</span>
        <input
          class="text-input"
          data-testid="task-title"
          placeholder="Add a task…"
          maxLength={200}
          value={title}
          onInput={(event) => setTitle(event.currentTarget.value)}
        />
      </label>
      <div class="attached-form__row">
        <label class="attached-form__field">
          <span>For</span>
          <select class="text-input" data-testid="task-assignee" value={assignee} onChange={(event) => setAssignee(event.currentTarget.value)}>
            <option value="">Nobody yet</option>
            {members.map((member) => (
              <option key={member.uid} value={member.uid}>
                {member.displayName ?? member.email ?? member.uid}
              </option>
            ))}
          </select>
        </label>
        <label class="attached-form__field">
          <span>Due</span>
          <input class="text-input" data-testid="task-due" type="date" value={dueDate} onInput={(event) => setDueDate(event.currentTarget.value)} />
        </label>
      </div>
      <div class="attached-form__actions">
        <button type="submit" class="button button--small button--primary" data-testid="task-submit" disabled={saving || !title.trim()}>
          {saving ? "Saving…" : "Add task"}
        </button>
      </div>
      {error && (
        <p class="form-error" role="alert" data-testid="task-error">
          {error}
        </p>
      )}
    </form>
  );
}

interface TaskItemProps {
  workspaceId: string;
  task: Task;
  members: readonly Member[];
  canEdit: boolean;
}

export function TaskItem({ workspaceId, task, members, canEdit }: TaskItemProps) {
  const { auth } = useServices();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The box shows the change at once; the listener's copy takes over when it arrives.
  const [requested, setRequested] = useState<boolean | null>(null);
  useEffect(() => setRequested(null), [task.done, task.version]);
  const assignee = memberLabel(members, task.assigneeUid);
  const done = requested ?? task.done;

  async function toggle(wanted: boolean) {
    setSaving(true);
    setError(null);
    setRequested(wanted);
    try {
      await apiRequest(auth, "PATCH", workspaceId, `task/${encodeURIComponent(task.id)}`, { done: wanted, version: task.version });
    } catch (failure) {
      setRequested(null);
      setError(
        failure instanceof ApiError && failure.status === 409
          ? "Someone changed this task meanwhile; it now shows their version. Try again."
          : describeApiError(failure),
      );
    } finally {
      setSaving(false);
    }
  }

  return (
    <li class={done ? "task task--done" : "task"} data-testid="task" data-task-id={task.id} data-done={task.done ? "true" : "false"}>
      <label class="task__line">
        {canEdit ? (
          <input type="checkbox" data-testid="task-done" checked={done} disabled={saving} onChange={(event) => void toggle(event.currentTarget.checked)} />
        ) : (
          <span aria-hidden="true">{done ? "☑" : "☐"}</span>
        )}
        <span class="task__title">{task.title}</span>
      </label>
      {(assignee || task.dueDate) && (
        <span class="muted task__meta">
          {assignee && <span data-testid="task-assignee-name">{assignee}</span>}
          {assignee && task.dueDate && " · "}
          {task.dueDate && <span data-testid="task-due-date">due {task.dueDate}</span>}
        </span>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
