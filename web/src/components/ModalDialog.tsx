import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { keepTabInside } from "../lib/focusTrap";

interface ModalDialogProps {
  titleId: string;
  testId: string;
  /** While busy, Escape does not close it: the action it started is still running. */
  busy: boolean;
  onCancel: () => void;
  /** Shown above the buttons, as an alert. */
  error: string | null;
  /** The button that does it, shown after Cancel. */
  confirm: ComponentChildren;
  children: ComponentChildren;
}

/** A modal `<dialog>`, open while mounted: Escape and the inert page behind come from the browser; Tab is
 * kept inside, and focus goes back to what opened it when it closes. */
export function ModalDialog({ titleId, testId, busy, onCancel, error, confirm, children }: ModalDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = dialogRef.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog?.showModal();
    return () => {
      dialog?.close();
      // A keyboard user carries on where they were.
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={dialogRef}
      class="dialog"
      aria-labelledby={titleId}
      data-testid={testId}
      onKeyDown={(event) => keepTabInside(event, dialogRef.current)}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      {children}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="dialog__actions">
        <button type="button" class="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        {confirm}
      </div>
    </dialog>
  );
}
