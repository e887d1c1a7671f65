import { useState } from "preact/hooks";
import { ModalDialog } from "../ModalDialog";

interface DisconnectDialogProps {
  email: string;
  busy: boolean;
  error: string | null;
  onConfirm: (deleteData: boolean) => void;
  onCancel: () => void;
}

export function DisconnectDialog({ email, busy, error, onConfirm, onCancel }: DisconnectDialogProps) {
  const [deleteData, setDeleteData] = useState(false);
  return (
    <ModalDialog
      titleId="disconnect-title"
      testId="disconnect-dialog"
      busy={busy}
      onCancel={onCancel}
      error={error}
      confirm={
        <button type="button" class="button button--danger" onClick={() => onConfirm(deleteData)} disabled={busy} data-testid="disconnect-confirm">
          {busy ? "Disconnecting…" : deleteData ? "Disconnect and delete" : "Disconnect"}
        </button>
      }
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
    </ModalDialog>
  );
}
