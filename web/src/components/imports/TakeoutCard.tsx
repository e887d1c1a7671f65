import { useEffect, useState } from "preact/hooks";
import { startTakeoutUpload, subscribeToTakeoutImport, uploadResumable, type TakeoutImport } from "../../data/imports";
import { describeApiError } from "../../lib/api";
import { useServices } from "../../lib/services";
import { ProgressBar } from "../ProgressBar";

type Upload =
  | { state: "idle" }
  | { state: "uploading"; importId: string | null; sent: number; size: number }
  | { state: "uploaded"; importId: string }
  | { state: "failed"; message: string };

const MB = 1024 * 1024;

function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;
}

/** A Google Takeout mbox sent straight to Cloud Storage, then its mail read into the CRM, both with progress. */
export function TakeoutCard({ workspaceId }: { workspaceId: string }) {
  const { auth, db } = useServices();
  const [upload, setUpload] = useState<Upload>({ state: "idle" });
  const [takeout, setTakeout] = useState<TakeoutImport | null>(null);
  const importId = upload.state === "uploaded" || upload.state === "uploading" ? upload.importId : null;

  useEffect(() => {
    if (!importId) return undefined;
    return subscribeToTakeoutImport(db, workspaceId, importId, setTakeout, () => setTakeout(null));
  }, [db, workspaceId, importId]);

  const send = async (file: File | undefined) => {
    if (!file) return;
    setTakeout(null);
    setUpload({ state: "uploading", importId: null, sent: 0, size: file.size });
    try {
      const session = await startTakeoutUpload(auth, workspaceId, file);
      setUpload({ state: "uploading", importId: session.importId, sent: 0, size: file.size });
      await uploadResumable(session.uploadUrl, file, (sent) =>
        setUpload({ state: "uploading", importId: session.importId, sent, size: file.size }),
      );
      setUpload({ state: "uploaded", importId: session.importId });
    } catch (error) {
      setUpload({ state: "failed", message: describeApiError(error) });
    }
  };

  // A failed import is listed below the card (FailedTakeouts), where it is retried or dismissed.
  const settled = takeout?.state === "done" || takeout?.state === "failed" || takeout?.state === "dismissed";
  const busy = upload.state === "uploading" || (upload.state === "uploaded" && !settled);
  return (
    <section class="card" aria-labelledby="takeout-heading" data-testid="takeout-import">
      <h2 id="takeout-heading" class="card__title">
        Import a Google Takeout mailbox
      </h2>
      <p class="card__subtitle">
        Export your Gmail from Google Takeout (an .mbox file, any size) and pick it here: it goes straight to Rapport's storage and its mail fills
        the CRM as if the mailbox were connected. Spam, trash, drafts and chats stay out, and mail already imported is never counted twice.
      </p>
      <label class="inline-form__field inline-form__field--grow">
        <span>Takeout .mbox file</span>
        <input
          class="input"
          type="file"
          accept=".mbox,application/mbox"
          data-testid="takeout-file"
          disabled={busy}
          onChange={(event) => void send(event.currentTarget.files?.[0])}
        />
      </label>

      {upload.state === "failed" && (
        <p class="form-error" role="alert" data-testid="takeout-error">
          {upload.message}
        </p>
      )}
      {upload.state === "uploading" && (
        <div data-testid="takeout-uploading">
          <p role="status">
            Uploading… {megabytes(upload.sent)} of {megabytes(upload.size)}
          </p>
          <ProgressBar label="Upload progress" testId="takeout-upload-progress" fraction={upload.size ? upload.sent / upload.size : null} />
        </div>
      )}
      {upload.state === "uploaded" && takeout && !settled && (
        <div data-testid="takeout-reading">
          <p role="status">
            {takeout.state === "uploading"
              ? "Uploaded; waiting for the import to start…"
              : takeout.state === "queued"
                ? "Starting again from where it stopped…"
                : `Reading mail… ${takeout.read} messages so far`}
          </p>
          <ProgressBar label="Import progress" testId="takeout-import-progress" fraction={takeout.size ? takeout.offset / takeout.size : null} />
        </div>
      )}
      {takeout?.state === "failed" && (
        <p class="form-error" role="alert" data-testid="takeout-failed">
          {takeout.fileName} could not be imported; see below to retry it.
        </p>
      )}
      {takeout?.state === "done" && (
        <div class="banner banner--ok" role="status" data-testid="takeout-done">
          <span class="banner__text">
            {takeout.fileName} imported: {takeout.read} messages read: {takeout.published} went into the CRM, {takeout.skipped} left
            out (spam, trash, drafts, chats and bulk mail).
          </span>
        </div>
      )}
    </section>
  );
}
