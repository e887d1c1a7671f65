import { useState } from "preact/hooks";
import { hasRole } from "../../data/roles";
import type { WorkspaceRole } from "../../data/types";
import { apiRequest, describeApiError, userRequest } from "../../lib/api";
import { navigate, paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { ModalDialog } from "../ModalDialog";

type MailChoice = "keep" | "erase";

interface ContactPrivacyControlsProps {
  workspaceId: string;
  contactId: string;
  displayName: string;
  role: WorkspaceRole | null;
}

/** A person's data on the contact page: download it as JSON (anyone who reads the contact), or delete the
 * contact keeping or erasing its mail (members and up, as for every record; docs/decisions/0020). */
export function ContactPrivacyControls({ workspaceId, contactId, displayName, role }: ContactPrivacyControlsProps) {
  const { auth } = useServices();
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);

  const download = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const data = await apiRequest<unknown>(auth, "GET", workspaceId, `contact/${encodeURIComponent(contactId)}/export`);
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = `contact-${contactId}.json`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      setExportError(describeApiError(error));
    } finally {
      setExporting(false);
    }
  };

  return (
    <div class="privacy-controls" data-testid="contact-privacy">
      <button type="button" class="button" onClick={() => void download()} disabled={exporting} data-testid="contact-export">
        {exporting ? "Preparing…" : "Export data (JSON)"}
      </button>
      <Link class="button" href={`${paths.audit(workspaceId)}?record=${encodeURIComponent(`contact:${contactId}`)}`} data-testid="contact-audit">
        History in the audit log
      </Link>
      {hasRole(role, "member") && (
        <button type="button" class="button button--danger" onClick={() => setDeleting(true)} data-testid="contact-delete">
          Delete contact…
        </button>
      )}
      {exportError && (
        <p class="form-error" role="alert">
          {exportError}
        </p>
      )}
      {deleting && (
        <DeleteContactDialog workspaceId={workspaceId} contactId={contactId} displayName={displayName} onCancel={() => setDeleting(false)} />
      )}
    </div>
  );
}

function DeleteContactDialog({
  workspaceId,
  contactId,
  displayName,
  onCancel,
}: {
  workspaceId: string;
  contactId: string;
  displayName: string;
  onCancel: () => void;
}) {
  const { auth } = useServices();
  const [choice, setChoice] = useState<MailChoice>("keep");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const query = new URLSearchParams({ workspaceId, mail: choice });
      await userRequest(auth, "DELETE", `contact/${encodeURIComponent(contactId)}?${query.toString()}`);
      navigate(paths.contacts(workspaceId));
    } catch (failure) {
      setError(describeApiError(failure));
      setBusy(false);
    }
  };

  return (
    <ModalDialog
      titleId="delete-contact-title"
      testId="delete-contact-dialog"
      busy={busy}
      onCancel={onCancel}
      error={error}
      confirm={
        <button type="button" class="button button--danger" onClick={() => void confirm()} disabled={busy} data-testid="delete-contact-confirm">
          {busy ? "Deleting…" : choice === "erase" ? "Erase for good" : "Delete contact"}
        </button>
      }
    >
      <h2 id="delete-contact-title" class="dialog__title">
        Delete {displayName}?
      </h2>
      <fieldset class="privacy-choice">
        <legend class="dialog__text">What happens to their mail?</legend>
        <label class="checkbox">
          <input type="radio" name="mail" value="keep" checked={choice === "keep"} onChange={() => setChoice("keep")} data-testid="delete-keep-mail" />
          <span>
            <strong>Keep the mail.</strong> Only the contact goes; their messages stay in the CRM, and new mail may add them again.
          </span>
        </label>
        <label class="checkbox">
          <input type="radio" name="mail" value="erase" checked={choice === "erase"} onChange={() => setChoice("erase")} data-testid="delete-erase-mail" />
          <span>
            <strong>Erase everything (GDPR).</strong> Their mail, notes and tasks are removed, the audit log keeps who did what but not
            their data, and their address is blocked so new mail does not bring them back. This cannot be undone.
          </span>
        </label>
      </fieldset>
    </ModalDialog>
  );
}
