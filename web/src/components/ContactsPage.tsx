import { useMemo, useState } from "preact/hooks";
import {
  CONTACT_SORTS,
  DEFAULT_CONTACT_QUERY,
  contactConstraints,
  contactQueryFromView,
  contactQueryKey,
  isContactSort,
  toContactRow,
  type ContactListQuery,
} from "../data/contacts";
import { describeWorkspaceFailure } from "../data/errors";
import { live, type Member } from "../data/records";
import { useLiveData } from "../data/useLiveData";
import { useMediaQuery, useNow } from "../lib/hooks";
import { paths } from "../lib/router";
import { useServices } from "../lib/services";
import { VirtualList } from "./VirtualList";
import { ContactRowView } from "./ContactRowView";
import { StatePanel } from "./StatePanel";
import { Pager } from "./lists/Pager";
import { SavedViews } from "./lists/SavedViews";
import { usePagedList } from "./lists/usePagedList";

// Must match the row heights in styles.css (the list positions rows by these numbers).
const ROW_HEIGHT_WIDE = 60;
const ROW_HEIGHT_NARROW = 76;
const NARROW_LAYOUT_QUERY = "(max-width: 719px)";
/** A few screenfuls: what one view of the list reads, however many contacts the workspace has. */
export const CONTACTS_PAGE_SIZE = 50;

export function ContactsPage({ workspaceId }: { workspaceId: string }) {
  const { db } = useServices();
  const [listQuery, setListQuery] = useState<ContactListQuery>(DEFAULT_CONTACT_QUERY);
  const queryKey = contactQueryKey(listQuery);
  const constraints = useMemo(() => contactConstraints(listQuery), [queryKey]);
  const list = usePagedList(
    db,
    { workspaceId, collectionName: "contacts", constraints, pageSize: CONTACTS_PAGE_SIZE },
    queryKey,
    toContactRow,
  );
  const members = useLiveData<Member[]>((onData, onError) => live.members(db, workspaceId, onData, onError), [db, workspaceId]);
  const now = useNow(30_000);
  const narrow = useMediaQuery(NARROW_LAYOUT_QUERY);
  const page = list.page;
  const rows = page.state === "ready" ? page.data.rows : [];
  const filtered = queryKey !== contactQueryKey(DEFAULT_CONTACT_QUERY);
  const needs = CONTACT_SORTS[listQuery.sort].needs;
  const update = (change: Partial<ContactListQuery["filters"]>) =>
    setListQuery((current) => ({ ...current, filters: { ...current.filters, ...change } }));

  return (
    <main class="contacts-page" aria-labelledby="contacts-heading">
      <div class="contacts-toolbar">
        <h1 id="contacts-heading" class="contacts-toolbar__title">
          Contacts
        </h1>
        <SavedViews
          workspaceId={workspaceId}
          list="contacts"
          current={{ sort: listQuery.sort, filters: { ...listQuery.filters } }}
          onApply={(view) => setListQuery(contactQueryFromView(view))}
        />
      </div>
      <div class="list-controls" role="group" aria-label="Sort and filter contacts" data-testid="contact-controls">
        <label class="list-controls__field">
          <span>Sort by</span>
          <select
            class="input"
            data-testid="contact-sort"
            value={listQuery.sort}
            onChange={(event) => {
              const sort = event.currentTarget.value;
              if (isContactSort(sort)) setListQuery((current) => ({ ...current, sort }));
            }}
          >
            {Object.entries(CONTACT_SORTS).map(([value, sort]) => (
              <option key={value} value={value}>
                {sort.label}
              </option>
            ))}
          </select>
        </label>
        <label class="list-controls__field">
          <span>Owner</span>
          <select
            class="input"
            data-testid="contact-owner"
            value={listQuery.filters.ownerUid ?? ""}
            onChange={(event) => update({ ownerUid: event.currentTarget.value || null })}
          >
            <option value="">Anyone</option>
            {(members.state === "ready" ? members.data : []).map((member) => (
              <option key={member.uid} value={member.uid}>
                {member.displayName ?? member.email ?? member.uid}
              </option>
            ))}
          </select>
        </label>
        <CompanyFilter value={listQuery.filters.companyId} onChange={(companyId) => update({ companyId })} />
        <label class="list-controls__toggle">
          <input
            type="checkbox"
            data-testid="contact-going-cold"
            checked={listQuery.filters.goingCold}
            onChange={(event) => update({ goingCold: event.currentTarget.checked })}
          />
          <span>Going cold</span>
        </label>
        {filtered && (
          <button type="button" class="button button--quiet button--small" data-testid="contact-reset" onClick={() => setListQuery(DEFAULT_CONTACT_QUERY)}>
            Reset
          </button>
        )}
      </div>
      {needs && (
        <p class="list-controls__note" data-testid="contact-sort-note">
          Only contacts with {needs} are listed in this order.
        </p>
      )}

      {page.state === "loading" && <StatePanel busy title="Loading contacts…" testId="contacts-loading" />}

      {page.state === "error" && (
        <StatePanel tone="error" testId="contacts-error" {...describeWorkspaceFailure(page.error)}>
          <button type="button" class="button" onClick={list.retry}>
            Try again
          </button>
        </StatePanel>
      )}

      {page.state === "ready" && rows.length === 0 && !filtered && !list.hasPrevious && (
        <StatePanel
          testId="contacts-empty"
          title="No contacts yet — connect Gmail"
          detail="Rapport builds your contacts from the mail your team sends and receives. Once a Gmail mailbox is connected, people appear here as the sync runs."
        />
      )}

      {page.state === "ready" && rows.length === 0 && (filtered || list.hasPrevious) && (
        <StatePanel testId="contacts-no-match" title="No contacts match these filters">
          <button type="button" class="button" onClick={() => setListQuery(DEFAULT_CONTACT_QUERY)}>
            Reset filters
          </button>
        </StatePanel>
      )}

      {rows.length > 0 && (
        <div class="contacts-table">
          <div class="contacts-table__header" aria-hidden="true">
            <span>Name</span>
            <span>Company</span>
            <span class="contacts-table__numeric">Sent · Received</span>
            <span class="contacts-table__numeric">Last interaction</span>
          </div>
          <VirtualList
            items={rows}
            rowHeight={narrow ? ROW_HEIGHT_NARROW : ROW_HEIGHT_WIDE}
            // A page is small: every row stays in the DOM, for find-in-page and screen readers.
            overscan={CONTACTS_PAGE_SIZE}
            itemKey={(row) => row.id}
            rowAttributes={(row) => ({
              "data-testid": "contact-row",
              "data-email": row.email,
              "data-id": row.id,
              "data-strength": row.strengthScore ?? "",
              "data-going-cold": String(row.goingCold),
            })}
            listAttributes={{
              "aria-label": `Contacts, page ${list.pageNumber}`,
              "data-testid": "contacts-list",
              "data-count": rows.length,
              "data-page": list.pageNumber,
            }}
            renderRow={(row) => <ContactRowView contact={row} now={now} href={paths.contact(workspaceId, row.id)} />}
          />
        </div>
      )}
      <Pager list={list} label="Contacts" testId="contacts-pager" />
    </main>
  );
}

/** A company's domain (its id); applied on Enter or when the field is left, not on every key. */
function CompanyFilter({ value, onChange }: { value: string | null; onChange: (companyId: string | null) => void }) {
  const [draft, setDraft] = useState(value ?? "");
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setDraft(value ?? "");
  }
  const apply = () => onChange(draft.trim().toLowerCase() || null);
  return (
    <label class="list-controls__field">
      <span>Company domain</span>
      <input
        class="input"
        type="text"
        inputMode="url"
        placeholder="acme.com"
        data-testid="contact-company-filter"
        value={draft}
        onInput={(event) => setDraft(event.currentTarget.value)}
        onKeyDown={(event) => event.key === "Enter" && apply()}
        onBlur={apply}
      />
    </label>
  );
}
