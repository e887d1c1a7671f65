import { useState } from "preact/hooks";
import { describeWorkspaceFailure } from "../../data/errors";
import { mergesApi, type Merged } from "../../data/merges";
import { subscribeToEditable, type EditableRecord } from "../../data/recordFields";
import { useLiveData } from "../../data/useLiveData";
import { describeApiError } from "../../lib/api";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { ContactPicker } from "./ContactPicker";
import { When } from "./RecordParts";
import "./recordEdits.css";

/** Two contacts side by side before a merge, the merge itself, and its undo. */

/** Why the last merge action failed, if it did. */
export function ActionError({ message, testId = "merge-error" }: { message: string | null; testId?: string }) {
  if (!message) return null;
  return (
    <p class="form-error" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}

function text(value: unknown): string {
  if (Array.isArray(value)) return value.filter((item) => typeof item === "string").join(", ");
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

function ContactSide({ workspaceId, contactId, role }: { workspaceId: string; contactId: string; role: string }) {
  const { db } = useServices();
  const now = useNow(60_000);
  const contact = useLiveData<EditableRecord | null>((onData, onError) => subscribeToEditable(db, workspaceId, "contact", contactId, onData, onError), [db, workspaceId, contactId]);
  if (contact.state === "loading") return <div class="merge-side muted">Loading…</div>;
  if (contact.state === "error") return <div class="merge-side form-error">{describeWorkspaceFailure(contact.error).title}</div>;
  if (!contact.data) return <div class="merge-side muted">This contact no longer exists.</div>;
  const data = contact.data.data;
  const emails = text(data.emails) || text(data.email);
  const rows: Array<[string, string]> = [
    ["Emails", emails],
    ["Title", text(data.title)],
    ["Phone", text(data.phone) || text(data.phones)],
    ["Company", text(data.companyName)],
    ["Tags", text(data.tags)],
    ["Mail", data.interactionCount === 1 ? "1 email" : `${text(data.interactionCount) || "0"} emails`],
  ];
  const last = typeof data.lastInteractionMs === "number" ? new Date(data.lastInteractionMs) : null;
  return (
    <section class="merge-side" data-testid="merge-side" data-contact-id={contactId} aria-label={role}>
      <p class="muted">{role}</p>
      <h3>
        <Link href={paths.contact(workspaceId, contactId)}>{text(data.name) || text(data.email) || contactId}</Link>
      </h3>
      <dl>
        {rows.flatMap(([label, value]) => [<dt key={`${label}-t`}>{label}</dt>, <dd key={`${label}-d`}>{value || "—"}</dd>])}
        <dt>Last contact</dt>
        <dd>
          <When date={last} now={now} />
        </dd>
      </dl>
    </section>
  );
}

/** The contact that stays (left) and the one merged into it (right). */
export function MergePair({ workspaceId, targetId, sourceId }: { workspaceId: string; targetId: string; sourceId: string }) {
  return (
    <div class="merge-pair" data-testid="merge-pair">
      <ContactSide workspaceId={workspaceId} contactId={targetId} role="Stays" />
      <ContactSide workspaceId={workspaceId} contactId={sourceId} role="Merges into it" />
    </div>
  );
}

/** What a merge did, with its undo; after the undo, says so. */
export function MergeOutcome({ workspaceId, merged, onUndone }: { workspaceId: string; merged: Merged; onUndone?: () => void }) {
  const { auth } = useServices();
  const [state, setState] = useState<"merged" | "undoing" | "undone">("merged");
  const [error, setError] = useState<string | null>(null);
  async function undo() {
    setState("undoing");
    setError(null);
    try {
      await mergesApi.unmerge(auth, workspaceId, merged.mergeId);
      setState("undone");
      onUndone?.();
    } catch (failure) {
      setState("merged");
      setError(describeApiError(failure));
    }
  }
  return (
    <div class="banner banner--ok" role="status" data-testid="merge-outcome" data-merge-id={merged.mergeId} data-state={state}>
      {state === "undone" ? (
        <p>The merge was undone: both contacts are as they were.</p>
      ) : (
        <div class="merge-actions">
          <span>Merged into one contact.</span>
          <button type="button" class="button button--small" data-testid="merge-undo" disabled={state === "undoing"} onClick={() => void undo()}>
            {state === "undoing" ? "Undoing…" : "Undo"}
          </button>
        </div>
      )}
      <ActionError message={error} />
    </div>
  );
}

/** "Merge with…" on a contact page: pick the duplicate, compare, merge it into this contact. */
export function MergeWith({ workspaceId, contactId }: { workspaceId: string; contactId: string }) {
  const { auth } = useServices();
  const [open, setOpen] = useState(false);
  const [other, setOther] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [merged, setMerged] = useState<Merged | null>(null);

  async function merge(sourceId: string) {
    setBusy(true);
    setError(null);
    try {
      setMerged(await mergesApi.merge(auth, workspaceId, contactId, sourceId));
      setOther(null);
      setOpen(false);
    } catch (failure) {
      setError(describeApiError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="merge-with" data-testid="merge-with">
      {merged && <MergeOutcome key={merged.mergeId} workspaceId={workspaceId} merged={merged} />}
      {!open ? (
        <button type="button" class="button button--small button--quiet" data-testid="merge-with-toggle" onClick={() => setOpen(true)}>
          Merge with…
        </button>
      ) : (
        <div class="deal-links__editor">
          {other === null ? (
            <ContactPicker workspaceId={workspaceId} label="The same person under another contact" exclude={[contactId]} testId="merge-picker" onPick={(choice) => setOther(choice.id)} />
          ) : (
            <>
              <MergePair workspaceId={workspaceId} targetId={contactId} sourceId={other} />
              <div class="merge-actions">
                <button type="button" class="button button--small button--primary" data-testid="merge-confirm" disabled={busy} onClick={() => void merge(other)}>
                  {busy ? "Merging…" : "Merge into this contact"}
                </button>
                <button type="button" class="button button--small button--quiet" onClick={() => setOther(null)}>
                  Choose another
                </button>
              </div>
            </>
          )}
          <button
            type="button"
            class="button button--small button--quiet"
            data-testid="merge-with-cancel"
            onClick={() => {
              setOpen(false);
              setOther(null);
              setError(null);
            }}
          >
            Cancel
          </button>
          <ActionError message={error} />
        </div>
      )}
    </div>
  );
}
