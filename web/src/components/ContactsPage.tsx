import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { filterContacts, subscribeToContacts } from "../data/contacts";
import { describeWorkspaceFailure } from "../data/errors";
import { useLiveData } from "../data/useLiveData";
import type { ContactRow } from "../data/types";
import type { ContactsView } from "../data/contacts";
import { useMediaQuery, useNow } from "../lib/hooks";
import { paths } from "../lib/router";
import { useServices } from "../lib/services";
import { VirtualList } from "./VirtualList";
import { ContactRowView } from "./ContactRowView";
import { StatePanel } from "./StatePanel";

// Must match the row heights in styles.css (the list positions rows by these numbers).
const ROW_HEIGHT_WIDE = 60;
const ROW_HEIGHT_NARROW = 76;
const NARROW_LAYOUT_QUERY = "(max-width: 719px)";

const numberFormat = new Intl.NumberFormat();

export function ContactsPage({ workspaceId }: { workspaceId: string }) {
  const { db } = useServices();
  const [attempt, setAttempt] = useState(0);
  const contacts = useLiveData<ContactsView>(
    (onData, onError) => subscribeToContacts(db, workspaceId, onData, onError),
    [db, workspaceId, attempt],
  );
  const [search, setSearch] = useState("");
  const allRows = contacts.state === "ready" ? contacts.data.rows : EMPTY_ROWS;
  const complete = contacts.state === "ready" && contacts.data.complete;
  const visibleRows = useMemo(() => filterContacts(allRows, search), [allRows, search]);
  const now = useNow(30_000);
  const narrow = useMediaQuery(NARROW_LAYOUT_QUERY);
  const searchRef = useSearchShortcut();

  const trimmedSearch = search.trim();
  const countLabel =
    contacts.state !== "ready"
      ? ""
      : trimmedSearch
        ? `${numberFormat.format(visibleRows.length)} of ${numberFormat.format(allRows.length)}`
        : numberFormat.format(allRows.length);
  const loadingMore = contacts.state === "ready" && !complete;

  return (
    <main class="contacts-page" aria-labelledby="contacts-heading">
      <div class="contacts-toolbar">
        <h1 id="contacts-heading" class="contacts-toolbar__title">
          Contacts
          {countLabel && (
            <span class="contacts-toolbar__count" data-testid="contacts-count" data-complete={String(complete)}>
              {countLabel}
              {loadingMore && <span class="contacts-toolbar__loading"> · loading more…</span>}
            </span>
          )}
        </h1>
        <div class="search">
          <label class="visually-hidden" for="contact-search">
            Search contacts by name, email or company
          </label>
          <svg class="search__icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
            <path d="M8.5 3a5.5 5.5 0 0 1 4.38 8.83l3.65 3.64-1.06 1.06-3.64-3.65A5.5 5.5 0 1 1 8.5 3zm0 1.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8z" />
          </svg>
          <input
            ref={searchRef}
            id="contact-search"
            class="search__input"
            type="search"
            placeholder="Search name, email or company"
            autocomplete="off"
            spellcheck={false}
            data-testid="contact-search"
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
            onKeyDown={(event) => event.key === "Escape" && setSearch("")}
          />
          <kbd class="search__hint" aria-hidden="true">
            /
          </kbd>
        </div>
      </div>

      {contacts.state === "loading" && <StatePanel busy title="Loading contacts…" testId="contacts-loading" />}

      {contacts.state === "error" && (
        <StatePanel tone="error" testId="contacts-error" {...describeWorkspaceFailure(contacts.error)}>
          <button type="button" class="button" onClick={() => setAttempt((count) => count + 1)}>
            Try again
          </button>
        </StatePanel>
      )}

      {contacts.state === "ready" && allRows.length === 0 && (
        <StatePanel
          testId="contacts-empty"
          title="No contacts yet — connect Gmail"
          detail="Rapport builds your contacts from the mail your team sends and receives. Once a Gmail mailbox is connected, people appear here as the sync runs."
        />
      )}

      {contacts.state === "ready" && allRows.length > 0 && visibleRows.length === 0 && (
        <StatePanel testId="contacts-no-match" title={`No contacts match “${trimmedSearch}”`}>
          <button type="button" class="button" onClick={() => setSearch("")}>
            Clear search
          </button>
        </StatePanel>
      )}

      {visibleRows.length > 0 && (
        <div class="contacts-table">
          <div class="contacts-table__header" aria-hidden="true">
            <span>Name</span>
            <span>Company</span>
            <span class="contacts-table__numeric">Sent · Received</span>
            <span class="contacts-table__numeric">Last interaction</span>
          </div>
          <VirtualList
            items={visibleRows}
            rowHeight={narrow ? ROW_HEIGHT_NARROW : ROW_HEIGHT_WIDE}
            itemKey={(row) => row.id}
            rowAttributes={(row) => ({ "data-testid": "contact-row", "data-email": row.email, "data-id": row.id })}
            listAttributes={{
              "aria-label": "Contacts",
              "data-testid": "contacts-list",
              "data-count": visibleRows.length,
              "data-total": allRows.length,
              "data-complete": String(complete),
            }}
            renderRow={(row) => <ContactRowView contact={row} now={now} href={paths.contact(workspaceId, row.id)} />}
          />
        </div>
      )}
    </main>
  );
}

const EMPTY_ROWS: ContactRow[] = [];

/** "/" jumps to the search box from anywhere on the page that isn't a text field. */
function useSearchShortcut() {
  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest("input, textarea, select, [contenteditable='true']");
      if (event.key === "/" && !typing && !event.metaKey && !event.ctrlKey && !event.altKey) {
        event.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
  return searchRef;
}
