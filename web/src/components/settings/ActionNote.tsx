import type { ActionState } from "../../lib/useAction";

/** What became of the last save next to its form: the error as an alert, or its sentence as a status. */
export function ActionNote({ action, testId }: { action: ActionState; testId?: string }) {
  if (action.state === "failed") {
    return (
      <p class="form-error" role="alert" data-testid={testId ? `${testId}-error` : undefined}>
        {action.message}
      </p>
    );
  }
  if (action.state === "done") {
    return (
      <p class="action-note" role="status" data-testid={testId ? `${testId}-done` : undefined}>
        {action.message}
      </p>
    );
  }
  return null;
}
