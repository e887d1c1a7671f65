"""Create, read, list, update and delete the records people work on (contacts, companies, deals, notes, tasks).

Each kind of record is described by data (`Kind`): its shapes, the filters and sorts its list
offers, the fields search reads, and the checks that need the database. One service does the
rest the same way for every kind:

- every record carries an integer `version`; an update or delete names the version the client
  saw, and a stale one is a `Conflict` carrying the current values (no lost updates);
- the write is conditional on the document's update time, so a change made between our read
  and our write is never overwritten either; that race is retried, and a version change it
  reveals becomes the same `Conflict`;
- every change writes its audit entry in the same commit.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import BaseModel, Field, create_model

from shared.clients import firestore_client
from shared.crm import audit
from shared.crm.contacts import FIELD_SOURCES, person_sources
from shared.crm.models import ApiModel, RecordId, VersionedUpdate
from shared.crm.search import indexed, search_tokens
from shared.errors import Conflict, InvalidInput, NotFound, RetryLater
from shared.principals import Principal

MAX_PAGE = 200
WRITE_ATTEMPTS = 5  # a busy document (mail counters landing on a contact) may move between read and write

# A check that needs the database: may reject the change or add fields it implies (a default stage).
Check = Callable[[firestore.DocumentReference, dict[str, Any], bool], dict[str, Any]]
# What else a change writes in its own commit (a notice to a deal's new owner), from its audit entry.
OnChange = Callable[[firestore.WriteBatch, firestore.DocumentReference, audit.AuditEntry], None]


@dataclass(frozen=True)
class Filter:
    """A list filter: `?param=value` keeps documents whose `field` equals (or, for arrays, contains) it."""

    param: str
    field: str
    op: Literal["==", "array_contains"] = "=="
    type: type = str


@dataclass(frozen=True)
class Sort:
    """A sort key with its one direction; one direction per key keeps the composite indexes few."""

    field: str
    descending: bool = False


@dataclass(frozen=True)
class Listing:
    """How a collection may be listed: its filters (one at a time) and sorts. Every composite index a
    listing needs follows from this (see shared/crm/indexes.py), so lists and indexes cannot drift apart."""

    collection: str
    filters: tuple[Filter, ...] = ()
    sorts: tuple[Sort, ...] = ()
    default_sort: str | None = None  # None: by document id, which needs no index and skips no document
    query_model: type[BaseModel] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "query_model", _list_query_model(self))

    def page(self, collection: firestore.CollectionReference, query: BaseModel) -> Page:
        """One page of the collection as the validated query string asks."""
        params = query.model_dump()
        active = [f for f in self.filters if params.get(f.param) is not None]
        if len(active) > 1:
            raise InvalidInput(f"{active[1].param}: filter by one field at a time", field=active[1].param)
        built: firestore.Query = collection  # type: ignore[assignment]
        for f in active:
            built = built.where(filter=FieldFilter(f.field, f.op, params[f.param]))
        sort_key = params.get("sort") or self.default_sort
        if sort_key:
            sort = next(s for s in self.sorts if s.field == sort_key)
            direction = firestore.Query.DESCENDING if sort.descending else firestore.Query.ASCENDING
            built = built.order_by(sort.field, direction=direction)
        if params.get("cursor"):
            built = built.start_after(_cursor_snapshot(collection, params["cursor"]))
        limit = params["limit"]
        snapshots = list(built.limit(limit).stream())
        items = [as_record(s.id, s.to_dict() or {}) for s in snapshots]
        next_cursor = _encode_cursor(snapshots[-1].id) if len(snapshots) == limit else None
        return Page(items, next_cursor)


@dataclass(frozen=True)
class Kind:
    name: str  # singular, as audit entries and entity keys name it: "deal"
    collection: str
    create: type[ApiModel]
    update: type[VersionedUpdate]
    filters: tuple[Filter, ...] = ()
    sorts: tuple[Sort, ...] = ()
    search_fields: tuple[str, ...] = ()
    natural_id: Callable[[dict[str, Any]], str | None] = lambda _: None
    checks: tuple[Check, ...] = ()
    on_change: tuple[OnChange, ...] = ()
    listing: Listing = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "listing", Listing(self.collection, self.filters, self.sorts))

    @property
    def list_query(self) -> type[BaseModel]:
        return self.listing.query_model


def _list_query_model(listing: Listing) -> type[BaseModel]:
    """The query string a listing accepts, as a pydantic model (validation and OpenAPI from one place)."""
    sort_keys = tuple(sort.field for sort in listing.sorts)
    fields: dict[str, Any] = {
        "workspaceId": (RecordId, ...),
        "limit": (int, Field(default=50, ge=1, le=MAX_PAGE)),
        "cursor": (str | None, Field(default=None, max_length=400)),
        "sort": (Literal[sort_keys] if sort_keys else None, None),
    }
    fields.update({f.param: (f.type | None, None) for f in listing.filters})
    model_name = f"{listing.collection[0].upper()}{listing.collection[1:]}ListQuery"
    return create_model(model_name, __config__={"extra": "forbid"}, **fields)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "nextCursor": self.next_cursor}


def as_record(record_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": record_id, "version": 0, **(audit.public(data) or {})}


class Records:
    """The service behind one kind's HTTP functions."""

    def __init__(
        self, kind: Kind, *, db: firestore.Client | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.kind = kind
        self._db = db or firestore_client()
        self._now = clock or (lambda: datetime.now(UTC))

    def _workspace(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces").document(workspace_id)

    def _ref(self, workspace_id: str, record_id: str) -> firestore.DocumentReference:
        return self._workspace(workspace_id).collection(self.kind.collection).document(record_id)

    # -- reads -------------------------------------------------------------------------------
    def get(self, workspace_id: str, record_id: str) -> dict[str, Any]:
        snapshot = self._ref(workspace_id, record_id).get()
        if not snapshot.exists:
            raise NotFound(f"no such {self.kind.name}", id=record_id)
        return as_record(record_id, snapshot.to_dict() or {})

    def list_page(self, query: BaseModel) -> Page:
        workspace_id = query.model_dump()["workspaceId"]
        return self.kind.listing.page(self._workspace(workspace_id).collection(self.kind.collection), query)

    # -- writes ------------------------------------------------------------------------------
    def create(self, workspace_id: str, actor: Principal, body: ApiModel) -> dict[str, Any]:
        workspace = self._workspace(workspace_id)
        fields = body.model_dump(by_alias=True, mode="json")
        fields.update(self._run_checks(workspace, fields, creating=True))
        now = self._now()
        record_id, document = self.new_document(fields, actor, now)
        batch = self._db.batch()
        batch.create(self._ref(workspace_id, record_id), document)
        entry = audit.AuditEntry(actor, "create", self.kind.name, record_id, None, document, now)
        audit.record(batch, workspace, entry)
        self._also_write(batch, workspace, entry)
        try:
            batch.commit()
        except exceptions.AlreadyExists as error:
            raise Conflict(f"this {self.kind.name} exists already", id=record_id) from error
        return as_record(record_id, document)

    def new_document(
        self, fields: dict[str, Any], actor: Principal, now: datetime, *, source: str = "manual"
    ) -> tuple[str, dict[str, Any]]:
        """The id and the document a new record gets, with its bookkeeping fields."""
        record_id = self.kind.natural_id(fields) or uuid.uuid4().hex[:20]
        document = {
            **fields,
            "version": 1,
            "source": source,
            "createdAt": now,
            "createdBy": actor.uid,
            "updatedAt": now,
            "updatedBy": actor.uid,
        }
        document.update(indexed(self.tokens(document)))
        return record_id, document

    def update(self, workspace_id: str, *, actor: Principal, record_id: str, body: VersionedUpdate) -> dict[str, Any]:
        changes = body.changes()
        if not changes:
            raise InvalidInput("body: name at least one field to change", field="body")
        workspace = self._workspace(workspace_id)
        changes.update(self._run_checks(workspace, changes, creating=False))
        for _ in range(WRITE_ATTEMPTS):
            snapshot, before = self._current(workspace_id, record_id, body.version)
            now = self._now()
            write = {**changes, "version": before.get("version", 0) + 1, "updatedAt": now, "updatedBy": actor.uid}
            at_ms = int(now.timestamp() * 1000)
            write[FIELD_SOURCES] = person_sources(before, body.changes(), uid=actor.uid, at_ms=at_ms)
            after = {**before, **write}
            search = indexed(self.tokens(after))
            write.update(search)
            after.update(search)
            entry = audit.AuditEntry(actor, "update", self.kind.name, record_id, before, after, now)
            if self._commit_if_unchanged(snapshot, workspace, entry, write):
                return as_record(record_id, after)
        raise RetryLater("this record is changing very often right now; try again")

    def delete(self, workspace_id: str, *, actor: Principal, record_id: str, version: int | None) -> None:
        workspace = self._workspace(workspace_id)
        for _ in range(WRITE_ATTEMPTS):
            snapshot, before = self._current(workspace_id, record_id, version)
            entry = audit.AuditEntry(actor, "delete", self.kind.name, record_id, before, None, self._now())
            if self._commit_if_unchanged(snapshot, workspace, entry, None):
                return
        raise RetryLater("this record is changing very often right now; try again")

    def _current(self, workspace_id: str, record_id: str, expected: int | None) -> tuple[Any, dict[str, Any]]:
        snapshot = self._ref(workspace_id, record_id).get()
        if not snapshot.exists:
            raise NotFound(f"no such {self.kind.name}", id=record_id)
        data = snapshot.to_dict() or {}
        if expected is not None and expected != data.get("version", 0):
            raise Conflict(
                f"this {self.kind.name} was changed by someone else since you read it",
                current=as_record(record_id, data),
            )
        return snapshot, data

    def _commit_if_unchanged(
        self,
        snapshot: Any,
        workspace: firestore.DocumentReference,
        entry: audit.AuditEntry,
        write: dict[str, Any] | None,
    ) -> bool:
        """Updates (or, with no `write`, deletes) only if the document is still as read; False when it moved."""
        batch = self._db.batch()
        unchanged = self._db.write_option(last_update_time=snapshot.update_time)
        if write is None:
            batch.delete(snapshot.reference, option=unchanged)
        else:
            batch.update(snapshot.reference, write, option=unchanged)
        audit.record(batch, workspace, entry)
        self._also_write(batch, workspace, entry)
        try:
            batch.commit()
        except exceptions.FailedPrecondition:
            return False
        return True

    def _also_write(
        self, batch: firestore.WriteBatch, workspace: firestore.DocumentReference, entry: audit.AuditEntry
    ) -> None:
        for hook in self.kind.on_change:
            hook(batch, workspace, entry)

    def _run_checks(self, workspace: firestore.DocumentReference, fields: dict[str, Any], *, creating: bool) -> dict:
        implied: dict[str, Any] = {}
        for check in self.kind.checks:
            implied.update(check(workspace, {**fields, **implied}, creating))
        return implied

    def tokens(self, document: dict[str, Any]) -> list[str]:
        return search_tokens(document.get(name) for name in self.kind.search_fields)


def _cursor_snapshot(collection: firestore.CollectionReference, cursor: str) -> Any:
    snapshot = collection.document(_decode_cursor(cursor)).get()
    if not snapshot.exists:
        raise InvalidInput("cursor: the record this page ended at is gone; start from the first page", field="cursor")
    return snapshot


def _encode_cursor(record_id: str) -> str:
    return base64.urlsafe_b64encode(record_id.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        record_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor") from error
    if not record_id or "/" in record_id:
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor")
    return record_id


class ContactRecords(Records):
    """Contacts are edited through ContactEditor, which keeps field provenance (`manualFields`) so
    extraction and enrichment never overwrite what a person set; search tokens and the audit entry
    are written in the editor's transaction, so the edit cannot stand without them."""

    def update(self, workspace_id: str, *, actor: Principal, record_id: str, body: VersionedUpdate) -> dict[str, Any]:
        from shared.crm.contacts import ContactEdit, ContactEditor

        changes = body.changes()
        if not changes:
            raise InvalidInput("body: name at least one field to change", field="body")
        workspace = self._workspace(workspace_id)
        changes.update(self._run_checks(workspace, changes, creating=False))

        def derive(after: Mapping[str, Any]) -> dict[str, Any]:
            return {"updatedBy": actor.uid, **indexed(self.tokens(dict(after)))}

        def record(transaction: firestore.Transaction, edit: ContactEdit) -> None:
            entry = audit.AuditEntry(actor, "update", self.kind.name, record_id, edit.before, edit.after, self._now())
            audit.record(transaction, workspace, entry)

        edit = ContactEditor(db=self._db, now=self._now).update(
            workspace_id,
            contact_id=record_id,
            changes=changes,
            by_uid=actor.uid,
            expected_version=body.version,
            derive=derive,
            record=record,
        )
        return as_record(record_id, edit.after)
