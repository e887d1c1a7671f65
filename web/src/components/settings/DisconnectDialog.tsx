import { useEffect, useRef, useState } from "preact/hooks";

interface DisconnectDialogProps {
  email: string;
  busy: boolean;
  error: string | null;
  onConfirm: (deleteData: boolean) => void;
  onCancel: () => void;
}

/** A modal `<dialog>`: Escape and the backdrop's focus trap come from the browser. */
export function DisconnectDialog({ email, busy, error, onConfirm, onCancel }: DisconnectDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [deleteData, setDeleteData] = useState(false);
  useEffect(() => {
    const dialog = dialogRef.current;
    dialog?.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={dialogRef}
      class="dialog"
      aria-labelledby="disconnect-title"
      data-testid="disconnect-dialog"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <h2 id="disconnect-title" class="dialog__title">
        Disconnect {email}?
      </h2>
      <p class="dialog__text">
        Rapport stops syncing this mailbox and gives back its access to Gmail. Contacts and history it already brought in
        stay, unless you ask for them to be deleted.
      </p>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={deleteData}
          onChange={(event) => setDeleteData(event.currentTarget.checked)}
          data-testid="disconnect-delete-data"
        />
        <span>Also delete the mail it brought into the CRM (people only this mailbox knew go too; notes and edits stay)</span>
      </label>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="dialog__actions">
        <button type="button" class="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="button" class="button button--danger" onClick={() => onConfirm(deleteData)} disabled={busy} data-testid="disconnect-confirm">
          {busy ? "Disconnecting…" : deleteData ? "Disconnect and delete" : "Disconnect"}
        </button>
      </div>
    </dialog>
  );
}
