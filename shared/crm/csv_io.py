"""CSV import (preview, then apply, with undo of the whole batch) and CSV export of contacts and companies.

Applying an import records, for every record it created or changed, what the record was before
(`imports/{id}/changes/{recordId}`), the fields it wrote and the version it left the record at. Every
write is conditioned on the record's update time, so mail counted meanwhile is never overwritten. Undo
takes back only the fields the import wrote (counts, addresses and enrichment gathered since stay); a
record someone edited after the import keeps their edit and is reported as kept.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.api_core import exceptions
from google.cloud import firestore
from pydantic import ValidationError

from shared import notifications
from shared.clients import firestore_client
from shared.crm import audit
from shared.crm.kinds import COMPANIES, CONTACTS, DEALS, KINDS, NOTES, TASKS, records
from shared.crm.models import CsvImport
from shared.crm.records import Kind
from shared.crm.search import indexed
from shared.errors import Conflict, InvalidInput, NotFound
from shared.principals import Principal

IMPORTS = "imports"
T = TypeVar("T")
MAX_ROWS = 5000
ROWS_PER_COMMIT = 150  # each row writes the record, its undo record and its audit entry
GUARDED_ATTEMPTS = 8  # a chunk whose records keep changing (a busy mailbox) is planned again this often
PREVIEW_ROWS = 20
EXPORT_PAGE = 500

# CSV header (lower case, without spaces, dashes or underscores) → field, per kind.
COLUMNS: dict[str, dict[str, str]] = {
    CONTACTS.collection: {
        "email": "email",
        "emailaddress": "email",
        "name": "name",
        "fullname": "name",
        "title": "title",
        "jobtitle": "title",
        "phone": "phone",
        "company": "companyName",
        "companyname": "companyName",
        "companyid": "companyId",
        "tags": "tags",
    },
    COMPANIES.collection: {"name": "name", "company": "name", "domain": "domain", "website": "domain", "tags": "tags"},
}
# What a column can be mapped to, per kind: every field a header can be guessed as.
IMPORT_FIELDS: dict[str, list[str]] = {kind: sorted(set(columns.values())) for kind, columns in COLUMNS.items()}
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    CONTACTS.collection: (
        "id",
        "email",
        "name",
        "title",
        "phone",
        "companyName",
        "companyId",
        "tags",
        "interactionCount",
        "lastInteractionMs",
    ),
    COMPANIES.collection: ("id", "name", "domain", "tags", "interactionCount", "lastInteractionMs"),
    DEALS.collection: ("id", "name", "stage", "value", "currency", "ownerUid", "expectedClose", "companyId", "tags"),
    NOTES.collection: ("id", "parentType", "parentId", "body", "createdBy", "createdAt", "updatedAt"),
    TASKS.collection: ("id", "title", "done", "dueDate", "assigneeUid", "parentType", "parentId", "createdAt"),
}
LIST_FIELDS = frozenset({"tags"})
# Validation messages a person reads in the preview, for the errors a spreadsheet row runs into most.
_PLAIN_MESSAGES = {
    "string_pattern_mismatch": "not in the form this field takes",
    "missing": "empty, and this field is needed",
    "string_too_long": "too long",
}
# A cell a spreadsheet would run as a formula is written as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ParsedRow:
    number: int  # 1 is the first row after the header
    fields: dict[str, Any]
    record_id: str = ""
    error: dict[str, Any] | None = None


@dataclass
class Parsed:
    kind: Kind
    rows: list[ParsedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    columns: list[dict[str, str | None]] = field(default_factory=list)  # each header and the field it fills

    @property
    def valid(self) -> list[ParsedRow]:
        return [row for row in self.rows if row.error is None]


def parse(body: CsvImport, *, require_identity: bool = True) -> Parsed:
    """The rows of the CSV as records of its kind. Without `require_identity` (a preview), a contacts file with
    no email column is read all the same, every row invalid, so the person can see the columns and map one."""
    try:
        return _parse(body, require_identity)
    except csv.Error as error:
        raise InvalidInput(f"csv: not readable as CSV ({error})", field="csv") from error


def _parse(body: CsvImport, require_identity: bool) -> Parsed:
    kind = KINDS[body.kind]
    # newline="" hands the reader every line ending as written: a lone \r ends a line, as in old Mac files.
    reader = csv.reader(io.StringIO(body.csv, newline=""))
    header = next(reader, None)
    if not header:
        raise InvalidInput("csv: the first line must name the columns", field="csv")
    columns = _columns(kind, header, body.mapping)
    if require_identity and kind is CONTACTS and "email" not in columns:
        raise InvalidInput("csv: contacts need an email column", field="csv" if body.mapping is None else "mapping")
    parsed = Parsed(
        kind,
        ignored_columns=[name for name, column in zip(header, columns, strict=True) if not column],
        columns=[{"header": name, "field": column} for name, column in zip(header, columns, strict=True)],
    )
    for number, cells in enumerate(reader, start=1):
        if number > MAX_ROWS:
            raise InvalidInput(f"csv: at most {MAX_ROWS} rows per import", field="csv")
        if any(cell.strip() for cell in cells):
            parsed.rows.append(_row(kind, number, columns, cells))
    return parsed


def _columns(kind: Kind, header: list[str], mapping: dict[str, str | None] | None) -> list[str | None]:
    """The field each column fills: as the person mapped it, else guessed from its header."""
    if mapping is None:
        guesses = COLUMNS[kind.collection]
        columns = [guesses.get(_header_key(name)) for name in header]
        # Two headers guessed as one field (Name and Full name): the first fills it.
        return [column if column not in columns[:index] else None for index, column in enumerate(columns)]
    allowed = IMPORT_FIELDS[kind.collection]
    columns = [mapping.get(name) or None for name in header]
    for column in columns:
        if column is not None and column not in allowed:
            raise InvalidInput(f"mapping: {column} is not a field of {kind.collection}", field="mapping")
        if column is not None and columns.count(column) > 1:
            raise InvalidInput(f"mapping: two columns are mapped to {column}", field="mapping")
    return columns


def _header_key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _row(kind: Kind, number: int, columns: list[str | None], cells: list[str]) -> ParsedRow:
    raw: dict[str, Any] = {}
    for column, cell in zip(columns, cells, strict=False):
        if column and cell.strip():
            raw[column] = _split(cell) if column in LIST_FIELDS else cell.strip()
    try:
        model = kind.create.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        column = ".".join(str(part) for part in first["loc"]) or "row"
        message = _PLAIN_MESSAGES.get(first["type"], first["msg"])
        if column == "email" and first["type"] == "string_pattern_mismatch":
            message = "not an email address"
        return ParsedRow(number, raw, error={"row": number, "field": column, "message": message})
    fields = model.model_dump(by_alias=True, mode="json", include=set(model.model_fields_set))
    return ParsedRow(number, fields, record_id=kind.natural_id(fields) or uuid.uuid4().hex[:20])


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.replace(",", ";").split(";") if part.strip()]


class CsvImports:
    def __init__(self, *, db: firestore.Client | None = None, now: Callable[[], datetime] | None = None) -> None:
        self._db = db or firestore_client()
        self._now = now or (lambda: datetime.now(UTC))

    def _workspace(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces").document(workspace_id)

    def _existing(self, workspace_id: str, parsed: Parsed) -> dict[str, dict[str, Any]]:
        collection = self._workspace(workspace_id).collection(parsed.kind.collection)
        references = [collection.document(row.record_id) for row in parsed.valid]
        return {s.id: s.to_dict() or {} for s in self._db.get_all(references) if s.exists} if references else {}

    def preview(self, workspace_id: str, body: CsvImport) -> dict[str, Any]:
        parsed = parse(body, require_identity=False)
        existing = self._existing(workspace_id, parsed)
        valid = parsed.valid
        return {
            "kind": parsed.kind.collection,
            "rows": len(parsed.rows),
            "create": sum(1 for row in valid if row.record_id not in existing),
            "update": sum(1 for row in valid if row.record_id in existing),
            "invalid": [row.error for row in parsed.rows if row.error],
            "ignoredColumns": parsed.ignored_columns,
            "columns": parsed.columns,
            "missing": _missing(parsed),
            "fields": IMPORT_FIELDS[parsed.kind.collection],
            "sample": [{"id": row.record_id, **row.fields} for row in valid[:PREVIEW_ROWS]],
        }

    def apply(self, workspace_id: str, actor: Principal, body: CsvImport) -> dict[str, Any]:
        parsed = parse(body)
        existing = self._existing(workspace_id, parsed)
        rows = _last_row_per_record(parsed.valid)
        import_id = body.import_id or uuid.uuid4().hex[:20]
        workspace = self._workspace(workspace_id)
        batch_ref = workspace.collection(IMPORTS).document(import_id)
        now = self._now()
        summary = {
            "kind": parsed.kind.collection,
            "state": "applying",
            "createdBy": actor.uid,
            "createdAt": now,
            "created": sum(1 for row in rows if row.record_id not in existing),
            "updated": sum(1 for row in rows if row.record_id in existing),
            "invalid": sum(1 for row in parsed.rows if row.error),
            "total": len(rows),
            "written": 0,
        }
        try:
            batch_ref.create(summary)
        except exceptions.AlreadyExists as error:
            raise Conflict("this import was applied already", id=import_id) from error
        written = 0
        service = records(parsed.kind)
        collection = workspace.collection(parsed.kind.collection)
        try:
            for chunk in _chunks(rows, ROWS_PER_COMMIT):

                def write(
                    currents: dict[str, Any], batch: firestore.WriteBatch, chunk: list[ParsedRow] = chunk
                ) -> None:
                    for row in chunk:
                        self._apply_row(batch, workspace, batch_ref, service, actor, now, row, currents[row.record_id])

                self._commit_guarded(collection, [row.record_id for row in chunk], write)
                written += len(chunk)
                batch_ref.update({"written": written})  # the web app shows this as the import's progress
        except Exception as error:
            self._failed(workspace, batch_ref, actor, written, len(rows), error)
            raise
        batch_ref.update({"state": "applied"})
        return {"importId": import_id, **audit.public({**summary, "state": "applied"})}  # type: ignore[dict-item]

    def _failed(
        self,
        workspace: firestore.DocumentReference,
        batch_ref: firestore.DocumentReference,
        actor: Principal,
        written: int,
        total: int,
        error: Exception,
    ) -> None:
        """An import cut short says so, with what it wrote (undo takes that back), and tells who started it."""
        reason = str(error).strip() or type(error).__name__
        batch_ref.update({"state": "failed", "error": reason[:300], "failedAt": self._now()})
        notifications.deliver(
            workspace,
            notifications.import_failed(
                recipient_uid=actor.uid,
                key=f"import-failed-csv-{batch_ref.id}",
                title=f"A CSV import stopped after {written} of {total} rows",
                reason=f"{reason[:300]} The rows written so far stay; undoing the import takes them back.",
                import_id=batch_ref.id,
            ),
            db=self._db,
        )

    def _commit_guarded(
        self,
        collection: firestore.CollectionReference,
        record_ids: list[str],
        write: Callable[[dict[str, Any], firestore.WriteBatch], T],
    ) -> T:
        """Reads the records, lets `write` plan one commit from them, and commits it with every record
        write conditioned on the record being as read; a record that changed meanwhile (mail counted,
        a contact enriched) makes the commit fail, and it is planned again from what is there now."""
        for _ in range(GUARDED_ATTEMPTS):
            snapshots = self._db.get_all([collection.document(record_id) for record_id in record_ids])
            batch = self._db.batch()
            planned = write({s.id: s for s in snapshots}, batch)
            try:
                batch.commit()
                return planned
            except (exceptions.FailedPrecondition, exceptions.AlreadyExists, exceptions.NotFound):
                continue
        raise Conflict("these records kept changing while the import was written; try again")

    def _guard(self, snapshot: Any) -> Any:
        if snapshot.exists:
            return self._db.write_option(last_update_time=snapshot.update_time)
        return self._db.write_option(exists=False)

    def _apply_row(
        self,
        batch: firestore.WriteBatch,
        workspace: firestore.DocumentReference,
        batch_ref: firestore.DocumentReference,
        service: Any,
        actor: Principal,
        now: datetime,
        row: ParsedRow,
        current: Any,
    ) -> None:
        before = current.to_dict() if current.exists else None
        if before is None:
            _, after = service.new_document(row.fields, actor, now, source="import")
            after["importId"] = batch_ref.id
            batch.create(current.reference, after)
        else:
            # Imported values were chosen by a person: extraction must not overwrite them later.
            manual = sorted(set(before.get("manualFields") or []) | set(row.fields) - {"email"})
            after = {**before, **row.fields, "manualFields": manual, "version": int(before.get("version") or 0) + 1}
            after.update(updatedAt=now, updatedBy=actor.uid)
            search = indexed(service.tokens(after))
            after.update(search)
            written = {name: after[name] for name in (*row.fields, "manualFields", "version", "updatedAt", "updatedBy")}
            batch.update(current.reference, {**written, **search}, option=self._guard(current))
        # What undo needs: the fields the import wrote and what they were before it.
        change = {"before": before, "fields": row.fields, "afterVersion": after["version"], "after": after}
        batch.set(batch_ref.collection("changes").document(row.record_id), change)
        entry = audit.AuditEntry(actor, "import", service.kind.name, row.record_id, before, after, now)
        audit.record(batch, workspace, entry)

    def undo(self, workspace_id: str, *, actor: Principal, import_id: str) -> dict[str, Any]:
        workspace = self._workspace(workspace_id)
        batch_ref = workspace.collection(IMPORTS).document(import_id)
        snapshot = batch_ref.get()
        if not snapshot.exists:
            raise NotFound("no such import", id=import_id)
        summary = snapshot.to_dict() or {}
        if summary.get("state") not in ("applied", "failed"):  # a failed import's rows written so far go too
            raise Conflict(f"this import is {summary.get('state')}; only an applied or failed import can be undone")
        kind = KINDS[summary["kind"]]
        collection = workspace.collection(kind.collection)
        restored, kept = 0, list[str]()
        changes = list(batch_ref.collection("changes").stream())
        for chunk in _chunks(changes, ROWS_PER_COMMIT):
            by_id = {c.id: c.to_dict() or {} for c in chunk}

            def write(
                currents: dict[str, Any], batch: firestore.WriteBatch, by_id: dict[str, Any] = by_id
            ) -> dict[str, bool]:
                return {
                    record_id: self._undo_row(batch, workspace, kind, actor, currents[record_id], change)
                    for record_id, change in by_id.items()
                }

            outcomes = self._commit_guarded(collection, list(by_id), write)
            restored += sum(outcomes.values())
            kept.extend(record_id for record_id, undone in outcomes.items() if not undone)
        batch_ref.update({"state": "undone", "undoneBy": actor.uid, "undoneAt": self._now(), "kept": kept})
        return {"importId": import_id, "restored": restored, "kept": kept}

    def _undo_row(
        self,
        batch: firestore.WriteBatch,
        workspace: firestore.DocumentReference,
        kind: Kind,
        actor: Principal,
        current: Any,
        change: dict[str, Any],
    ) -> bool:
        """Takes back the fields the import wrote, unless a person edited the record since; anything
        gathered since (mail counted, addresses, enrichment) stays. A record the import created and
        nothing touched since is deleted."""
        data = current.to_dict() if current.exists else None
        if data is None or data.get("version") != change["afterVersion"]:
            return False
        before = change.get("before")
        guard = self._guard(current)
        if before is None and data == change.get("after"):
            batch.delete(current.reference, option=guard)
            entry = audit.AuditEntry(actor, "undo-import", kind.name, current.id, data, None, self._now())
            audit.record(batch, workspace, entry)
            return True
        previous = before or {}
        patch: dict[str, Any] = {}
        for name, imported in (change.get("fields") or {}).items():
            if name == "email" or data.get(name) != imported:
                continue  # the identity stays; a value changed since is not the import's any more
            patch[name] = previous.get(name, firestore.DELETE_FIELD)
        added = set(data.get("manualFields") or []) - set(previous.get("manualFields") or [])
        patch["manualFields"] = sorted(set(data.get("manualFields") or []) - (added & set(change.get("fields") or {})))
        if before is None:
            patch["importId"] = firestore.DELETE_FIELD
        patch.update(version=int(data.get("version") or 0) + 1, updatedAt=self._now(), updatedBy=actor.uid)
        result = {k: v for k, v in {**data, **patch}.items() if v is not firestore.DELETE_FIELD}
        patch.update(indexed(records(kind).tokens(result)))
        batch.update(current.reference, patch, option=guard)
        entry = audit.AuditEntry(actor, "undo-import", kind.name, current.id, data, result, self._now())
        audit.record(batch, workspace, entry)
        return True


def _missing(parsed: Parsed) -> list[str]:
    """Fields no column fills that the kind cannot do without (a contact's email)."""
    filled = {column["field"] for column in parsed.columns}
    return ["email"] if parsed.kind is CONTACTS and "email" not in filled else []


def _last_row_per_record(rows: list[ParsedRow]) -> list[ParsedRow]:
    """Two rows for the same person: the later one wins, as it would in a spreadsheet."""
    return list({row.record_id: row for row in rows}.values())


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- export ----------------------------------------------------------------------------------
def export_rows(workspace_id: str, collection: str, *, db: firestore.Client | None = None) -> Iterable[str]:
    """The collection as CSV lines, header first, read page by page so any size streams."""
    db = db or firestore_client()
    columns = EXPORT_COLUMNS[collection]
    yield _line(columns)
    query = db.collection("workspaces", workspace_id, collection).order_by("__name__").limit(EXPORT_PAGE)
    page = list(query.stream())
    while page:
        for snapshot in page:
            data = {"id": snapshot.id, **(snapshot.to_dict() or {})}
            yield _line([_cell(data.get(column)) for column in columns])
        page = list(query.start_after(page[-1]).stream()) if len(page) == EXPORT_PAGE else []


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    if not isinstance(value, str):
        return str(audit.jsonable(value))
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _line(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(list(cells))
    return out.getvalue()
