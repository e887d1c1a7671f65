import {
  approveSync,
  creationLabel,
  describeSkipReason,
  discardSync,
  type PreviewCompany,
  type PreviewPerson,
  type SyncPreview,
} from "../../data/syncPreviews";
import { formatFullDateTime, formatRelativeTime } from "../../lib/relativeTime";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { ProgressBar } from "../ProgressBar";

const numberFormat = new Intl.NumberFormat();
const count = (value: number) => numberFormat.format(value);
const plural = (value: number, one: string, many: string) => `${count(value)} ${value === 1 ? one : many}`;

const STATE_LABELS: Record<string, string> = {
  collecting: "Gathering",
  ready: "Waiting for approval",
  applying: "Filling the CRM…",
  applied: "Applied",
  discarded: "Discarded",
};

interface SyncPreviewPanelProps {
  workspaceId: string;
  preview: SyncPreview;
  canDecide: boolean;
  now: number;
}

/**
 * A mailbox's first sync before it reaches the CRM: what it would create under the workspace's
 * policy, what it skips and why; admins approve or discard it. Recomputed by the backend as mail
 * arrives and whenever the policy changes, so this only renders the document.
 */
export function SyncPreviewPanel({ workspaceId, preview, canDecide, now }: SyncPreviewPanelProps) {
  const { auth } = useServices();
  const [approveAction, approve] = useAction(async () => {
    await approveSync(auth, workspaceId, preview.mailboxId);
    return "Approved: the CRM is being filled.";
  });
  const [discardAction, discard] = useAction(async () => {
    await discardSync(auth, workspaceId, preview.mailboxId);
    return "Discarded: nothing from this preview reaches the CRM.";
  });
  const state = preview.state ?? "collecting";
  const busy = approveAction.state === "pending" || discardAction.state === "pending";
  const note = [approveAction, discardAction].find((action) => action.state === "done" || action.state === "failed");

  if (state === "applied" || state === "discarded") {
    const at = state === "applied" ? preview.appliedAt : preview.discardedAt;
    return (
      <div class={`sync-preview sync-preview--${state} sync-preview--compact`} data-testid="sync-preview" data-state={state} role="status">
        <span class="pill">{STATE_LABELS[state]}</span>
        <span>
          {state === "applied"
            ? "The first sync was approved and is in the CRM"
            : "The first sync was discarded; nothing from it reached the CRM. New mail starts a new preview"}
          {at && (
            <span title={formatFullDateTime(at)}>
              {" "}
              ({formatRelativeTime(at, now)})
            </span>
          )}
          .
        </span>
      </div>
    );
  }

  const summarized = preview.policy !== null;
  const headingId = `preview-heading-${preview.mailboxId}`;
  return (
    <section class={`sync-preview sync-preview--${state}`} data-testid="sync-preview" data-state={state} aria-labelledby={headingId}>
      <div class="sync-preview__head">
        <h3 id={headingId} class="sync-preview__title">
          First sync preview
        </h3>
        <span class="pill" data-testid="preview-state">
          {STATE_LABELS[state]}
        </span>
      </div>

      {state === "collecting" && (
        <>
          <p class="sync-preview__lead" data-testid="preview-collecting">
            The preview is still being gathered: Rapport is reading this mailbox ({plural(preview.messages, "message", "messages")} so
            far) and adds nothing to the CRM until an admin approves it.
          </p>
          <ProgressBar fraction={null} label="Gathering the first sync preview" />
        </>
      )}
      {state === "ready" && (
        <p class="sync-preview__lead">
          Nothing from this mailbox is in the CRM yet. Here is what its {plural(preview.messages, "message", "messages")} would bring in.
        </p>
      )}
      {state === "applying" && (
        <>
          <p class="sync-preview__lead">Approved: the CRM is being filled with this mailbox's mail.</p>
          <ProgressBar fraction={null} label="Applying the first sync" />
        </>
      )}

      {summarized && (
        <>
          <dl class="sync-preview__counts">
            <PreviewCount name="create-people" label="New people" value={preview.wouldCreate.people} hint="People it would add as contacts" />
            <PreviewCount name="create-companies" label="New companies" value={preview.wouldCreate.companies} hint="Companies it would add" />
            {preview.wouldUpdate.people > 0 && (
              <PreviewCount name="update-people" label="Already contacts" value={preview.wouldUpdate.people} hint="Existing contacts it would add mail to" />
            )}
            <PreviewCount name="not-created" label="Not added" value={preview.notCreated.people} hint="People the policy does not make contacts" />
            <PreviewCount
              name="automated"
              label="Automated, skipped"
              value={preview.automatedSenderCount}
              hint={`${plural(preview.automatedMessages, "message", "messages")} from machines`}
            />
            <PreviewCount
              name="blocked"
              label="Blocked"
              value={preview.blocked.people}
              hint={`${plural(preview.blocked.messages, "message", "messages")} with blocked people`}
            />
          </dl>
          <p class="sync-preview__policy" data-testid="preview-policy" data-creation={preview.policy!.contactCreation}>
            Computed under the policy <strong>{creationLabel(preview.policy!.contactCreation)}</strong>
            {preview.policy!.blocklist.length > 0 && <> · {plural(preview.policy!.blocklist.length, "blocked entry", "blocked entries")}</>}
            {preview.policy!.ownDomains.length > 0 && <> · colleagues at {preview.policy!.ownDomains.join(", ")} are never contacts</>}
            {preview.summarizedAt && (
              <span title={formatFullDateTime(preview.summarizedAt)}> · updated {formatRelativeTime(preview.summarizedAt, now)}</span>
            )}
          </p>

          <div class="sync-preview__lists">
            <PreviewList title="People" testId="preview-people" empty="No people in this mail." total={preview.topPeople.length}>
              {preview.topPeople.map((person) => (
                <PersonRow key={person.contactId} person={person} />
              ))}
            </PreviewList>
            <PreviewList title="Companies" testId="preview-companies" empty="No companies in this mail." total={preview.topCompanies.length}>
              {preview.topCompanies.map((company) => (
                <CompanyRow key={company.domain} company={company} />
              ))}
            </PreviewList>
            <PreviewList
              title="Skipped senders"
              testId="preview-automated"
              empty="No automated mail."
              total={preview.automatedSenderCount}
            >
              {preview.automatedSenders.map((sender) => (
                <li key={sender.email} class="preview-row" data-testid="preview-automated-sender" data-email={sender.email}>
                  <span class="preview-row__line">
                    <span class="preview-row__name">{sender.email}</span>
                    <span class="preview-row__figure">{plural(sender.messages, "msg", "msgs")}</span>
                  </span>
                  <span class="preview-row__detail" title={sender.reason}>
                    {describeSkipReason(sender.reason)}
                  </span>
                </li>
              ))}
            </PreviewList>
          </div>
        </>
      )}

      {(state === "collecting" || state === "ready") && (
        <div class="sync-preview__actions">
          {canDecide ? (
            <>
              <button
                type="button"
                class="button button--primary"
                data-testid="approve-preview"
                disabled={busy || state !== "ready"}
                title={state === "ready" ? undefined : "Available once the preview is gathered"}
                onClick={() => void approve()}
              >
                {approveAction.state === "pending" ? "Approving…" : "Approve and fill the CRM"}
              </button>
              <button type="button" class="button button--quiet" data-testid="discard-preview" disabled={busy} onClick={() => void discard()}>
                {discardAction.state === "pending" ? "Discarding…" : "Discard"}
              </button>
            </>
          ) : (
            <span class="muted sync-preview__waiting">An admin approves this preview before it fills the CRM.</span>
          )}
        </div>
      )}
      {note && (
        <p class={`action-note action-note--${note.state}`} role={note.state === "failed" ? "alert" : "status"} data-testid="preview-action-note">
          {note.state === "done" || note.state === "failed" ? note.message : ""}
        </p>
      )}
    </section>
  );
}

function PreviewCount({ name, label, value, hint }: { name: string; label: string; value: number; hint: string }) {
  return (
    <div class="sync-stat" data-count={name} title={hint}>
      <dt>{label}</dt>
      <dd>{count(value)}</dd>
    </div>
  );
}

function PreviewList({ title, testId, empty, total, children }: { title: string; testId: string; empty: string; total: number; children: preact.ComponentChildren[] }) {
  return (
    <div class="preview-list" data-testid={testId}>
      <h4 class="preview-list__title">
        {title} <span class="preview-list__total">{count(total)}</span>
      </h4>
      {children.length ? <ul class="preview-list__rows">{children}</ul> : <p class="muted">{empty}</p>}
    </div>
  );
}

function PersonRow({ person }: { person: PreviewPerson }) {
  const outcome = person.existing ? "existing" : person.wouldCreate ? "new" : "skipped";
  const outcomeLabel = { existing: "already a contact", new: "new contact", skipped: "not added" }[outcome];
  return (
    <li class="preview-row" data-testid="preview-person" data-email={person.email} data-outcome={outcome}>
      <span class="preview-row__line">
        <span class="preview-row__name" title={person.email}>
          {person.name ?? person.email}
        </span>
        <span class={`preview-tag preview-tag--${outcome}`}>{outcomeLabel}</span>
      </span>
      <span class="preview-row__detail">
        {person.name ? `${person.email} · ` : ""}
        {count(person.sent)} sent · {count(person.received)} received
      </span>
    </li>
  );
}

function CompanyRow({ company }: { company: PreviewCompany }) {
  const outcome = company.wouldCreate ? "new" : "skipped";
  return (
    <li class="preview-row" data-testid="preview-company" data-domain={company.domain} data-outcome={outcome}>
      <span class="preview-row__line">
        <span class="preview-row__name">{company.name}</span>
        <span class={`preview-tag preview-tag--${outcome}`}>{company.wouldCreate ? "added" : "not added"}</span>
      </span>
      <span class="preview-row__detail">
        {company.domain} · {plural(company.people, "person", "people")} · {plural(company.messages, "msg", "msgs")}
      </span>
    </li>
  );
}
