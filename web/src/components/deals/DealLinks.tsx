import { useState } from "preact/hooks";
import type { Deal } from "../../data/deals";
import { saveDealLinks, subscribeToCompanyChoices, useRecordNames, type CompanyChoice, type LinkChanges } from "../../data/recordLinks";
import { useLiveData } from "../../data/useLiveData";
import { describeApiError } from "../../lib/api";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { ContactPicker } from "../records/ContactPicker";
import "../records/recordEdits.css";

/** The company and people a deal is with, shown on its card, and (for members) changed there. */
export function DealLinks({ workspaceId, deal, canEdit }: { workspaceId: string; deal: Deal; canEdit: boolean }) {
  const { db } = useServices();
  const [open, setOpen] = useState(false);
  const contactNames = useRecordNames(db, workspaceId, "contacts", deal.contactIds);
  const companyNames = useRecordNames(db, workspaceId, "companies", deal.companyId ? [deal.companyId] : []);
  return (
    <div class="deal-card__links">
      {(deal.companyId || deal.contactIds.length > 0) && (
        <ul class="deal-links" data-testid="deal-links" aria-label={`Linked to ${deal.name}`}>
          {deal.companyId && (
            <li data-testid="deal-link-company" data-id={deal.companyId}>
              <Link href={paths.company(workspaceId, deal.companyId)}>{companyNames[deal.companyId] ?? deal.companyId}</Link>
            </li>
          )}
          {deal.contactIds.map((id) => (
            <li key={id} data-testid="deal-link-contact" data-id={id}>
              <Link href={paths.contact(workspaceId, id)}>{contactNames[id] ?? id}</Link>
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <button
          type="button"
          class="button button--small button--quiet"
          data-testid="deal-links-toggle"
          aria-expanded={open}
          onClick={() => setOpen((shown) => !shown)}
        >
          {open ? "Done" : "Link people…"}
        </button>
      )}
      {canEdit && open && <DealLinksEditor workspaceId={workspaceId} deal={deal} contactNames={contactNames} />}
    </div>
  );
}

function DealLinksEditor({ workspaceId, deal, contactNames }: { workspaceId: string; deal: Deal; contactNames: Record<string, string> }) {
  const { db, auth } = useServices();
  const companies = useLiveData<CompanyChoice[]>((onData, onError) => subscribeToCompanyChoices(db, workspaceId, onData, onError), [db, workspaceId]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const selectId = `deal-company-${deal.id}`;

  async function save(changes: LinkChanges) {
    setSaving(true);
    setError(null);
    try {
      await saveDealLinks(auth, workspaceId, deal, changes);
    } catch (failure) {
      setError(describeApiError(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <div class="deal-links__editor" data-testid="deal-links-editor">
      <label class="attached-form__field" for={selectId}>
        <span>Company</span>
      </label>
      <select
        id={selectId}
        class="text-input"
        data-testid="deal-company-select"
        disabled={saving}
        value={deal.companyId ?? ""}
        onChange={(event) => void save({ companyId: event.currentTarget.value || null })}
      >
        <option value="">No company</option>
        {deal.companyId && !(companies.state === "ready" && companies.data.some((c) => c.id === deal.companyId)) && (
          <option value={deal.companyId}>{deal.companyId}</option>
        )}
        {companies.state === "ready" &&
          companies.data.map((company) => (
            <option key={company.id} value={company.id}>
              {company.name}
            </option>
          ))}
      </select>
      {deal.contactIds.length > 0 && (
        <ul class="plain-list" aria-label="People on this deal">
          {deal.contactIds.map((id) => (
            <li key={id} class="record-field__view">
              <span>{contactNames[id] ?? id}</span>
              <button
                type="button"
                class="button button--small button--quiet"
                data-testid="deal-unlink-contact"
                data-id={id}
                disabled={saving}
                aria-label={`Unlink ${contactNames[id] ?? id}`}
                onClick={() => void save({ contactIds: deal.contactIds.filter((other) => other !== id) })}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <ContactPicker
        workspaceId={workspaceId}
        label="Add a person"
        exclude={deal.contactIds}
        testId={`deal-contact-picker-${deal.id}`}
        onPick={(choice) => void save({ contactIds: [...deal.contactIds, choice.id] })}
      />
      {error && (
        <p class="form-error" role="alert" data-testid="deal-links-error">
          {error}
        </p>
      )}
    </div>
  );
}
