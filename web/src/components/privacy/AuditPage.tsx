import { useEffect, useState } from "preact/hooks";
import { fetchActivity, type ActivityFilters, type ActivityItem } from "../../data/activity";
import { live, type Member } from "../../data/records";
import { useLiveData } from "../../data/useLiveData";
import { describeApiError } from "../../lib/api";
import { useNow } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { StatePanel } from "../StatePanel";
import { When } from "../records/RecordParts";

const NO_FILTERS: ActivityFilters = { actorUid: "", action: "", entity: "", entityKey: "" };
// The actions the log records (shared/crm/audit.py), and the feed's own: sync runs and imports.
const ACTIONS = ["create", "update", "delete", "erase", "import", "undo-import", "merge", "unmerge", "sync", "invite", "accept", "revoke", "role", "remove", "leave"];
const KINDS = ["contact", "company", "deal", "note", "task", "member", "invitation"];

type Feed =
  | { state: "loading" }
  | { state: "error"; message: string }
  | { state: "ready"; items: ActivityItem[]; nextCursor: string | null; loadingMore: boolean };

/** Who changed what and when, with sync runs and imports, newest first; filtered and paged on the server. */
export function AuditPage({ workspaceId }: { workspaceId: string }) {
  const { auth, db } = useServices();
  const now = useNow(30_000);
  // A record's page links here with `?record=contact:…` to open its history.
  const [recordText, setRecordText] = useState(() => new URLSearchParams(window.location.search).get("record") ?? "");
  const [filters, setFilters] = useState<ActivityFilters>({ ...NO_FILTERS, entityKey: recordText });
  const [feed, setFeed] = useState<Feed>({ state: "loading" });
  const members = useLiveData<Member[]>((onData, onError) => live.members(db, workspaceId, onData, onError), [db, workspaceId]);
  const people = members.state === "ready" ? members.data : [];
  const nameOf = (uid: string | null, email: string | null) => people.find((m) => m.uid === uid)?.displayName ?? people.find((m) => m.uid === uid)?.email ?? email ?? uid ?? "Rapport";

  // The record filter is typed: asked for once typing pauses, not at every key.
  useEffect(() => {
    const timer = setTimeout(() => {
      setFilters((before) => (before.entityKey === recordText.trim() ? before : { ...before, entityKey: recordText.trim(), entity: recordText.trim() ? "" : before.entity }));
    }, 300);
    return () => clearTimeout(timer);
  }, [recordText]);

  useEffect(() => {
    let current = true;
    setFeed({ state: "loading" });
    fetchActivity(auth, workspaceId, filters, null).then(
      (page) => current && setFeed({ state: "ready", ...page, loadingMore: false }),
      (error: unknown) => current && setFeed({ state: "error", message: describeApiError(error) }),
    );
    return () => {
      current = false;
    };
  }, [auth, workspaceId, filters]);

  const loadMore = async () => {
    if (feed.state !== "ready" || !feed.nextCursor) return;
    setFeed({ ...feed, loadingMore: true });
    try {
      const page = await fetchActivity(auth, workspaceId, filters, feed.nextCursor);
      setFeed({ state: "ready", items: [...feed.items, ...page.items], nextCursor: page.nextCursor, loadingMore: false });
    } catch (error) {
      setFeed({ state: "error", message: describeApiError(error) });
    }
  };

  const set = (name: keyof ActivityFilters) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    if (name === "entity") setRecordText("");
    setFilters((before) => ({ ...before, [name]: value, ...(name === "entity" ? { entityKey: "" } : {}) }));
  };
  const clear = () => {
    setRecordText("");
    setFilters(NO_FILTERS);
  };

  return (
    <main class="page" data-testid="audit-page">
      <h1 class="page__title">Audit log</h1>
      <p class="muted">Every change people made, with each sync and import, newest first.</p>
      <form class="audit-filters" aria-label="Filter the audit log" onSubmit={(event) => event.preventDefault()}>
        <label>
          <span>Person</span>
          <select value={filters.actorUid} onChange={set("actorUid")} data-testid="audit-filter-person">
            <option value="">Everyone</option>
            {people.map((member) => (
              <option key={member.uid} value={member.uid}>
                {member.displayName ?? member.email ?? member.uid}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Action</span>
          <select value={filters.action} onChange={set("action")} data-testid="audit-filter-action">
            <option value="">Any action</option>
            {ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Kind of record</span>
          <select value={filters.entity} onChange={set("entity")} data-testid="audit-filter-kind">
            <option value="">Any kind</option>
            {KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>One record</span>
          <input
            type="text"
            placeholder="contact:c_…"
            value={recordText}
            onInput={(event) => setRecordText(event.currentTarget.value)}
            data-testid="audit-filter-record"
          />
        </label>
        {(Object.values(filters).some(Boolean) || recordText) && (
          <button type="button" class="button" onClick={clear} data-testid="audit-clear">
            Clear filters
          </button>
        )}
      </form>
      {feed.state === "loading" ? (
        <StatePanel busy title="Loading the audit log…" />
      ) : feed.state === "error" ? (
        <StatePanel tone="error" title="The audit log could not be loaded" detail={feed.message} testId="audit-error" />
      ) : feed.items.length === 0 ? (
        <StatePanel title="Nothing here yet" detail="Changes, syncs and imports show up here as they happen." testId="audit-empty" />
      ) : (
        <>
          <ol class="audit-list" data-testid="audit-list">
            {feed.items.map((item) => (
              <AuditRow key={`${item.type}:${item.id}`} item={item} who={nameOf(item.actorUid, item.actorEmail)} now={now} />
            ))}
          </ol>
          {feed.nextCursor && (
            <button type="button" class="button" onClick={() => void loadMore()} disabled={feed.loadingMore} data-testid="audit-more">
              {feed.loadingMore ? "Loading…" : "Show older"}
            </button>
          )}
        </>
      )}
    </main>
  );
}

function AuditRow({ item, who, now }: { item: ActivityItem; who: string; now: number }) {
  const at = item.at ? new Date(item.at) : null;
  const what =
    item.type === "syncRun"
      ? `Mail sync (${String(item.details.kind ?? "sync")})`
      : item.type === "import"
        ? `Import of ${String(item.details.kind ?? "records")}`
        : `${item.entity ?? "record"} ${item.entityId ?? ""}`.trim();
  return (
    <li class="audit-row card" data-testid="audit-row" data-type={item.type} data-action={item.action}>
      <div class="audit-row__head">
        <span class="pill">{item.action}</span>
        <strong>{what}</strong>
        <span class="muted">
          {item.type === "syncRun" ? "" : `by ${who} · `}
          <When date={at} now={now} />
        </span>
      </div>
      {item.type === "change" ? <ChangeDetails item={item} /> : <Details values={item.details} />}
    </li>
  );
}

function ChangeDetails({ item }: { item: ActivityItem }) {
  if (item.redacted || item.before?.redacted === true || item.after?.redacted === true) {
    return (
      <p class="muted" data-testid="audit-redacted">
        Values removed: the person this was about asked to be erased.
      </p>
    );
  }
  const fields = item.changedFields.filter((field) => !["updatedAt", "updatedBy", "version", "editedAtMs", "fieldSources", "editedBy"].includes(field));
  if (fields.length === 0) return null;
  return (
    <table class="audit-diff">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {fields.slice(0, 12).map((field) => (
          <tr key={field}>
            <th scope="row">{field}</th>
            <td>{shown(item.before?.[field])}</td>
            <td>{shown(item.after?.[field])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Details({ values }: { values: Record<string, unknown> }) {
  const entries = Object.entries(values).filter(([name]) => name !== "kind");
  if (entries.length === 0) return null;
  return <p class="muted">{entries.map(([name, value]) => `${name}: ${shown(value)}`).join(" · ")}</p>;
}

function shown(value: unknown): string {
  if (value === undefined || value === null || value === "") return "—";
  if (typeof value === "string") return value.length > 120 ? `${value.slice(0, 117)}…` : value;
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
