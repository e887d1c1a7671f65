import { useEffect, useRef, useState } from "preact/hooks";
import { searchMail } from "../../data/mailSearch";
import { searchRecords, searchTerms, type SearchHit, type SearchKind } from "../../data/search";
import { describeApiError } from "../../lib/api";
import { navigate, paths } from "../../lib/router";
import { useServices } from "../../lib/services";

const DEBOUNCE_MS = 150;
const KIND_LABELS: Record<SearchKind | "mail", string> = { contact: "Contact", company: "Company", deal: "Deal", mail: "Mail" };

/** A message found by meaning (mail mode), opened on its contact's page where its timeline holds it. */
type MailOption = { kind: "mail"; id: string; title: string; detail: string; contactId: string | null };
type Hit = SearchHit | MailOption;
type Mode = "records" | "mail";

const listId = "global-search-results";
const optionId = (index: number) => `global-search-option-${index}`;

type Results = { state: "idle" } | { state: "searching" } | { state: "done"; hits: Hit[] } | { state: "failed"; message?: string };

function hrefOf(workspaceId: string, hit: Hit): string {
  if (hit.kind === "mail") return hit.contactId ? paths.contact(workspaceId, hit.contactId) : paths.contacts(workspaceId);
  if (hit.kind === "contact") return paths.contact(workspaceId, hit.id);
  if (hit.kind === "company") return paths.company(workspaceId, hit.id);
  return paths.deals(workspaceId);
}

/**
 * One box searching contacts, companies and deals, as an ARIA combobox: ↑/↓ move through the
 * results, Enter opens the highlighted one (the first when none is), Escape closes the list and
 * then clears the box; "/" anywhere outside a text field jumps here. In mail mode it finds messages
 * by meaning when Enter is pressed (each search is an AI call), and opens the chosen one's contact.
 */
export function SearchBox({ workspaceId }: { workspaceId: string }) {
  const { auth, db } = useServices();
  const [mode, setMode] = useState<Mode>("records");
  const [text, setText] = useState("");
  const [results, setResults] = useState<Results>({ state: "idle" });
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const inputRef = useRef<HTMLInputElement>(null);
  const latest = useRef(0);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest("input, textarea, select, [contenteditable='true']");
      if (event.key === "/" && !typing && !event.metaKey && !event.ctrlKey && !event.altKey) {
        event.preventDefault();
        inputRef.current?.focus();
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  useEffect(() => {
    const request = ++latest.current;
    setActive(-1);
    if (searchTerms(text).length === 0 || mode === "mail") {
      setResults({ state: "idle" });
      return undefined;
    }
    setResults({ state: "searching" });
    const timer = window.setTimeout(() => {
      searchRecords(db, workspaceId, text).then(
        (hits) => request === latest.current && setResults({ state: "done", hits }),
        () => request === latest.current && setResults({ state: "failed" }),
      );
    }, DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [db, workspaceId, text, mode]);

  const findMail = () => {
    const request = ++latest.current;
    setOpen(true);
    setResults({ state: "searching" });
    searchMail(auth, workspaceId, text.trim()).then(
      (found) => {
        const date = (at: string | null) => (at ? `${at.slice(0, 10)} · ` : "");
        const hits: Hit[] = found.map((hit) => ({
          kind: "mail",
          id: hit.interactionId,
          title: hit.subject,
          detail: `${date(hit.occurredAt)}${hit.snippet}`,
          contactId: hit.contactId,
        }));
        if (request === latest.current) setResults({ state: "done", hits });
      },
      (error: unknown) => request === latest.current && setResults({ state: "failed", message: describeApiError(error) }),
    );
  };

  const hits = results.state === "done" ? results.hits : [];
  useEffect(() => {
    if (active >= 0) document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
  }, [active]);
  const expanded = open && results.state !== "idle";

  const choose = (hit: Hit) => {
    setOpen(false);
    setText("");
    inputRef.current?.blur();
    navigate(hrefOf(workspaceId, hit));
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setOpen(true);
      if (hits.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((index) => (step > 0 ? (index + 1) % hits.length : index <= 0 ? hits.length - 1 : index - 1));
    } else if (event.key === "Enter" && mode === "mail" && active < 0 && text.trim()) {
      event.preventDefault();
      findMail();
    } else if (event.key === "Enter") {
      const hit = hits[active] ?? hits[0];
      if (hit) {
        event.preventDefault();
        choose(hit);
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (expanded) setOpen(false);
      else setText("");
    }
  };

  return (
    <div class="global-search" role="search" data-testid="global-search">
      <label class="visually-hidden" for="global-search-input">
        {mode === "mail" ? "Search mail by meaning (press Enter)" : "Search contacts, companies and deals"}
      </label>
      <button
        type="button"
        class="global-search__mode"
        aria-pressed={mode === "mail"}
        title="Search mail by meaning"
        data-testid="global-search-mail-mode"
        onClick={() => {
          setMode(mode === "mail" ? "records" : "mail");
          inputRef.current?.focus();
        }}
      >
        Mail
      </button>
      <input
        ref={inputRef}
        id="global-search-input"
        class="search__input search__input--plain global-search__input"
        type="search"
        role="combobox"
        list={undefined}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 && active < hits.length ? optionId(active) : undefined}
        placeholder={mode === "mail" ? "Search mail, then Enter" : "Search  /"}
        autocomplete="off"
        spellcheck={false}
        data-testid="global-search-input"
        value={text}
        onInput={(event) => {
          setText(event.currentTarget.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <div class="global-search__popup" hidden={!expanded}>
        <ul id={listId} role="listbox" aria-label="Search results" class="global-search__list" data-testid="global-search-results">
          {hits.map((hit, index) => (
            <li
              key={`${hit.kind}:${hit.id}`}
              id={optionId(index)}
              role="option"
              aria-selected={index === active}
              class={`global-search__option${index === active ? " global-search__option--active" : ""}`}
              data-testid="global-search-option"
              data-kind={hit.kind}
              data-id={hit.id}
              // Chosen on mousedown, before the input's blur closes the list.
              onMouseDown={(event) => {
                event.preventDefault();
                choose(hit);
              }}
            >
              <span class="global-search__kind">{KIND_LABELS[hit.kind]}</span>
              <span class="global-search__title">{hit.title}</span>
              {hit.detail && <span class="global-search__detail">{hit.detail}</span>}
            </li>
          ))}
        </ul>
        <p class="global-search__status" role="status" data-testid="global-search-status">
          {results.state === "searching" && "Searching…"}
          {results.state === "failed" && (results.message ?? "Search failed. Try again.")}
          {results.state === "done" && (hits.length === 0 ? "Nothing found" : `${hits.length} found`)}
        </p>
      </div>
    </div>
  );
}
