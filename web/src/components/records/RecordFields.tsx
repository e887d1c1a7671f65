import { useRef, useState } from "preact/hooks";
import { describeWorkspaceFailure } from "../../data/errors";
import { live, type Member } from "../../data/records";
import { subscribeToCompanyChoices, type CompanyChoice } from "../../data/recordLinks";
import {
  conflictOf,
  describeProvenance,
  fieldValue,
  provenanceOf,
  saveFields,
  subscribeToEditable,
  type EditableKind,
  type EditableRecord,
  type FieldConflict,
} from "../../data/recordFields";
import { useLiveData } from "../../data/useLiveData";
import { describeApiError } from "../../lib/api";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { memberLabel } from "./AttachedForms";
import { Section, When } from "./RecordParts";
import "./recordEdits.css";

/** Every field the PATCH shapes accept (shared/crm/models.py), edited in place, with where each value came from. */

type Input = "text" | "phones" | "url" | "tags" | "member" | "company";

interface FieldSpec {
  name: string;
  label: string;
  input: Input;
  required?: boolean;
}

const FIELDS: Record<EditableKind, readonly FieldSpec[]> = {
  contact: [
    { name: "name", label: "Name", input: "text" },
    { name: "title", label: "Title", input: "text" },
    { name: "phones", label: "Phones", input: "phones" },
    { name: "address", label: "Address", input: "text" },
    { name: "website", label: "Website", input: "url" },
    { name: "companyName", label: "Company", input: "company" },
    { name: "ownerUid", label: "Owner", input: "member" },
    { name: "tags", label: "Tags", input: "tags" },
  ],
  company: [
    { name: "name", label: "Name", input: "text", required: true },
    { name: "website", label: "Website", input: "url" },
    { name: "phones", label: "Phones", input: "phones" },
    { name: "ownerUid", label: "Owner", input: "member" },
    { name: "tags", label: "Tags", input: "tags" },
  ],
};

interface RecordFieldsProps {
  workspaceId: string;
  kind: EditableKind;
  id: string;
  canEdit: boolean;
  now: number;
}

export function RecordFields({ workspaceId, kind, id, canEdit, now }: RecordFieldsProps) {
  const { db } = useServices();
  const record = useLiveData<EditableRecord | null>((onData, onError) => subscribeToEditable(db, workspaceId, kind, id, onData, onError), [db, workspaceId, kind, id]);
  const members = useLiveData<Member[]>((onData, onError) => live.members(db, workspaceId, onData, onError), [db, workspaceId]);
  // The company choices are a list of up to 500: read them only once someone edits the company, so a
  // page view costs the same however many companies the workspace has.
  const [choosingCompany, setChoosingCompany] = useState(false);
  const companies = useLiveData<CompanyChoice[]>(
    kind === "contact" && choosingCompany ? (onData, onError) => subscribeToCompanyChoices(db, workspaceId, onData, onError) : null,
    [db, workspaceId, kind, choosingCompany],
  );
  const context: FieldContext = {
    members: members.state === "ready" ? members.data : [],
    companies: companies.state === "ready" ? companies.data : [],
    chooseCompany: () => setChoosingCompany(true),
  };
  return (
    <Section title="Details" testId="record-fields">
      {record.state === "loading" && <p class="muted">Loading…</p>}
      {record.state === "error" && <p class="form-error">{describeWorkspaceFailure(record.error).title}</p>}
      {record.state === "ready" && record.data && typeof record.data.data.mergedInto === "string" && (
        <p class="muted" data-testid="merged-into">
          Merged into <Link href={paths.contact(workspaceId, record.data.data.mergedInto)}>another contact</Link>: edit that one.
        </p>
      )}
      {record.state === "ready" && record.data && (
        <dl class="record-fields">
          {FIELDS[kind].map((spec) => (
            <EditableField
              key={spec.name}
              workspaceId={workspaceId}
              kind={kind}
              record={record.data as EditableRecord}
              spec={spec}
              context={context}
              canEdit={canEdit && !record.data?.data.mergedInto}
              now={now}
            />
          ))}
        </dl>
      )}
    </Section>
  );
}

interface FieldContext {
  members: readonly Member[];
  companies: readonly CompanyChoice[];
  chooseCompany: () => void;
}

// Phones are typed as one line: "+44 20 7946 0958, +1 212 555 0199".
const PHONE_SEPARATOR = /[,;\n]/;

function display(spec: FieldSpec, value: unknown, context: FieldContext): string {
  if (spec.input === "phones") return Array.isArray(value) ? value.filter((phone) => typeof phone === "string").join(", ") : typeof value === "string" ? value : "";
  if (spec.input === "tags") return Array.isArray(value) ? value.filter((tag) => typeof tag === "string").join(", ") : "";
  if (spec.input === "member") return typeof value === "string" ? (memberLabel(context.members, value) ?? value) : "";
  return typeof value === "string" ? value : "";
}

/** What the form holds for a value: tags as "a, b", an owner as their uid. */
function draftOf(spec: FieldSpec, value: unknown): string {
  if (spec.input === "tags" || spec.input === "phones") return Array.isArray(value) ? value.join(", ") : typeof value === "string" ? value : "";
  return typeof value === "string" ? value : "";
}

/** The PATCH body a draft stands for; the company field also links the company record of that name. */
function changesOf(spec: FieldSpec, draft: string, context: FieldContext): Record<string, unknown> {
  const text = draft.trim();
  if (spec.input === "tags") {
    return { tags: [...new Set(text.split(",").map((tag) => tag.trim().toLowerCase()).filter(Boolean))] };
  }
  if (spec.input === "phones") {
    const phones = text.split(PHONE_SEPARATOR).map((phone) => phone.trim()).filter(Boolean);
    return { phones: phones.length > 0 ? phones : null };
  }
  if (spec.input === "company") {
    const match = context.companies.find((company) => company.name.toLowerCase() === text.toLowerCase() || company.id === text.toLowerCase());
    return { companyName: match?.name ?? (text || null), companyId: match?.id ?? null };
  }
  return { [spec.name]: text || null };
}

interface EditableFieldProps {
  workspaceId: string;
  kind: EditableKind;
  record: EditableRecord;
  spec: FieldSpec;
  context: FieldContext;
  canEdit: boolean;
  now: number;
}

type Editing = { draft: string; version: number } | null;

function EditableField({ workspaceId, kind, record, spec, context, canEdit, now }: EditableFieldProps) {
  const { auth } = useServices();
  // The version the editor started from: a change saved by someone else meanwhile makes the save a conflict.
  const [editing, setEditing] = useState<Editing>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<(FieldConflict & { mine: string }) | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const inputId = `field-${kind}-${spec.name}`;
  const value = fieldValue(record.data, spec.name);
  const provenance = provenanceOf(record.data, spec.name);
  const who = (uid: string) => memberLabel(context.members, uid) ?? uid;

  function close() {
    setEditing(null);
    setConflict(null);
    setError(null);
    requestAnimationFrame(() => editButton.current?.focus());
  }

  async function save(draft: string, version: number) {
    if (spec.required && !draft.trim()) {
      setError(`${spec.label} cannot be empty.`);
      return;
    }
    setSaving(true);
    setError(null);
    setConflict(null);
    try {
      await saveFields(auth, workspaceId, kind, record.id, changesOf(spec, draft, context), version);
      close();
    } catch (failure) {
      const found = conflictOf(failure, [spec.name]);
      if (found) setConflict({ ...found, mine: draft });
      else setError(describeApiError(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <div class="record-field" data-testid="record-field" data-field={spec.name}>
      <dt>
        {editing ? <label for={inputId}>{spec.label}</label> : spec.label}
      </dt>
      <dd>
        {editing ? (
          <form
            class="record-field__form"
            onSubmit={(event) => {
              event.preventDefault();
              void save(editing.draft, editing.version);
            }}
            onKeyDown={(event) => {
              if (event.key === "Escape") close();
            }}
          >
            <FieldInput id={inputId} spec={spec} draft={editing.draft} context={context} onDraft={(draft) => setEditing({ ...editing, draft })} />
            <div class="record-field__actions">
              <button type="submit" class="button button--small button--primary" data-testid="field-save" disabled={saving}>
                {saving ? "Saving…" : "Save"}
              </button>
              <button type="button" class="button button--small button--quiet" data-testid="field-cancel" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <div class="record-field__view">
            <span class={value === undefined || value === null || value === "" ? "muted" : undefined} data-testid="field-value">
              {display(spec, value, context) || "—"}
            </span>
            {canEdit && (
              <button
                ref={editButton}
                type="button"
                class="button button--small button--quiet record-field__edit"
                data-testid="field-edit"
                aria-label={`Edit ${spec.label.toLowerCase()}`}
                onClick={() => {
                  if (spec.input === "company") context.chooseCompany();
                  setEditing({ draft: draftOf(spec, value), version: record.version });
                }}
              >
                Edit
              </button>
            )}
          </div>
        )}
        {provenance && (
          <span class="record-field__source" data-testid="field-source" data-source={provenance.source}>
            {describeProvenance(provenance, who)}
            {provenance.at && (
              <>
                {" · "}
                <When date={provenance.at} now={now} />
              </>
            )}
          </span>
        )}
        {error && (
          <p class="form-error" role="alert" data-testid="field-error">
            {error}
          </p>
        )}
        {conflict && (
          <div class="field-conflict" role="alert" data-testid="field-conflict">
            <p>
              <strong>Someone else changed {spec.label.toLowerCase()} while you were editing.</strong>
            </p>
            <dl class="field-conflict__values">
              <div>
                <dt>Theirs</dt>
                <dd data-testid="conflict-theirs">{display(spec, conflict.theirs, context) || "—"}</dd>
              </div>
              <div>
                <dt>Yours</dt>
                <dd data-testid="conflict-mine">{display(spec, changesOf(spec, conflict.mine, context)[spec.name], context) || "—"}</dd>
              </div>
            </dl>
            <div class="field-conflict__actions">
              <button type="button" class="button button--small" data-testid="conflict-keep-theirs" onClick={close}>
                Keep theirs
              </button>
              {conflict.version !== null && (
                <button
                  type="button"
                  class="button button--small button--primary"
                  data-testid="conflict-use-mine"
                  disabled={saving}
                  onClick={() => void save(conflict.mine, conflict.version as number)}
                >
                  Use mine
                </button>
              )}
            </div>
          </div>
        )}
      </dd>
    </div>
  );
}

const PLACEHOLDERS: Partial<Record<Input, string>> = {
  tags: "customer, vip",
  phones: "+44 20 7946 0958, +1 212 555 0199",
  url: "https://example.com",
};

function FieldInput({ id, spec, draft, context, onDraft }: { id: string; spec: FieldSpec; draft: string; context: FieldContext; onDraft: (draft: string) => void }) {
  if (spec.input === "member") {
    return (
      <select id={id} class="text-input" data-testid="field-input" value={draft} onChange={(event) => onDraft(event.currentTarget.value)} autoFocus>
        <option value="">Nobody</option>
        {context.members.map((member) => (
          <option key={member.uid} value={member.uid}>
            {member.displayName ?? member.email ?? member.uid}
          </option>
        ))}
      </select>
    );
  }
  const listId = spec.input === "company" ? `${id}-companies` : undefined;
  return (
    <>
      <input
        id={id}
        class="text-input"
        data-testid="field-input"
        type="text"
        inputMode={spec.input === "phones" ? "tel" : spec.input === "url" ? "url" : undefined}
        maxLength={spec.input === "url" ? 2000 : spec.input === "tags" || spec.input === "phones" ? 900 : 200}
        list={listId}
        placeholder={PLACEHOLDERS[spec.input]}
        value={draft}
        onInput={(event) => onDraft(event.currentTarget.value)}
        autoFocus
      />
      {listId && (
        <datalist id={listId}>
          {context.companies.map((company) => (
            <option key={company.id} value={company.name} />
          ))}
        </datalist>
      )}
    </>
  );
}
