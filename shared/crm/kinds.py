"""Every kind of record the API serves, described as data: shapes, filters, sorts, search fields, checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.cloud import firestore

from shared import ids
from shared.crm.audit import entity_key
from shared.crm.deals import check_stage
from shared.crm.models import (
    CompanyCreate,
    CompanyUpdate,
    ContactCreate,
    ContactUpdate,
    DealCreate,
    DealUpdate,
    NoteCreate,
    NoteUpdate,
    TaskCreate,
    TaskUpdate,
)
from shared.crm.notify import deal_assigned, note_mentions
from shared.crm.records import Check, ContactRecords, Filter, Kind, Records, Sort
from shared.errors import InvalidInput

PARENT_COLLECTIONS = {"contact": "contacts", "company": "companies", "deal": "deals"}


def members_only(*fields: str) -> Check:
    """Fields that name a person (owner, assignee) must name a member of the workspace."""

    def check(workspace: firestore.DocumentReference, values: dict[str, Any], creating: bool) -> dict[str, Any]:
        for name in fields:
            uid = values.get(name)
            if uid is not None and not workspace.collection("members").document(uid).get().exists:
                raise InvalidInput(f"{name}: not a member of this workspace", field=name)
        return {}

    return check


def on_parent(*, required: bool) -> Check:
    """Notes (always) and tasks (optionally) hang on a contact, company or deal that must exist."""

    def check(workspace: firestore.DocumentReference, values: dict[str, Any], creating: bool) -> dict[str, Any]:
        if not creating:
            return {}
        parent_type, parent_id = values.get("parentType"), values.get("parentId")
        if parent_type is None and parent_id is None and not required:
            return {"parentKey": None}
        if parent_type is None or parent_id is None:
            missing = "parentType" if parent_type is None else "parentId"
            raise InvalidInput(f"{missing}: give both parentType and parentId", field=missing)
        if not workspace.collection(PARENT_COLLECTIONS[parent_type]).document(parent_id).get().exists:
            raise InvalidInput(f"parentId: no such {parent_type}", field="parentId")
        return {"parentKey": entity_key(parent_type, parent_id)}

    return check


def deal_links(workspace: firestore.DocumentReference, values: dict[str, Any], creating: bool) -> dict[str, Any]:
    """A deal links only records that exist; a contact merged into another links the one it became."""
    company_id = values.get("companyId")
    if company_id is not None and not workspace.collection("companies").document(company_id).get().exists:
        raise InvalidInput("companyId: no such company", field="companyId")
    if values.get("contactIds") is None:
        return {}
    contacts = workspace.collection("contacts")
    linked: list[str] = []
    for contact_id in values["contactIds"]:
        snapshot = contacts.document(contact_id).get()
        if not snapshot.exists:
            raise InvalidInput(f"contactIds: no such contact {contact_id}", field="contactIds")
        live_id = (snapshot.to_dict() or {}).get("mergedInto") or contact_id
        if live_id not in linked:
            linked.append(live_id)
    return {"contactIds": linked}


def _company_id(fields: dict[str, Any]) -> str | None:
    return fields.get("domain")


CONTACTS = Kind(
    name="contact",
    collection="contacts",
    create=ContactCreate,
    update=ContactUpdate,
    filters=(Filter("companyId", "companyId"), Filter("tag", "tags", "array_contains"), Filter("ownerUid", "ownerUid")),
    sorts=(Sort("name"), Sort("lastInteractionMs", descending=True), Sort("updatedAt", descending=True)),
    search_fields=("name", "email", "emails", "companyName", "title", "tags"),
    natural_id=lambda fields: ids.contact_id(fields["email"]),  # the id mail ingestion gives the same person
    checks=(members_only("ownerUid"),),
)

COMPANIES = Kind(
    name="company",
    collection="companies",
    create=CompanyCreate,
    update=CompanyUpdate,
    filters=(Filter("tag", "tags", "array_contains"), Filter("ownerUid", "ownerUid")),
    sorts=(Sort("name"), Sort("lastInteractionMs", descending=True), Sort("updatedAt", descending=True)),
    search_fields=("name", "domain", "tags"),
    natural_id=_company_id,  # companies from mail are keyed by their domain
    checks=(members_only("ownerUid"),),
)

DEALS = Kind(
    name="deal",
    collection="deals",
    create=DealCreate,
    update=DealUpdate,
    filters=(
        Filter("stage", "stage"),
        Filter("ownerUid", "ownerUid"),
        Filter("companyId", "companyId"),
        Filter("contactId", "contactIds", "array_contains"),
    ),
    sorts=(Sort("value", descending=True), Sort("expectedClose"), Sort("updatedAt", descending=True)),
    search_fields=("name", "tags"),
    checks=(check_stage, members_only("ownerUid"), deal_links),
    on_change=(deal_assigned,),
)

NOTES = Kind(
    name="note",
    collection="notes",
    create=NoteCreate,
    update=NoteUpdate,
    filters=(Filter("parentKey", "parentKey"), Filter("createdBy", "createdBy")),
    sorts=(Sort("createdAt", descending=True),),
    checks=(on_parent(required=True),),
    on_change=(note_mentions,),
)

TASKS = Kind(
    name="task",
    collection="tasks",
    create=TaskCreate,
    update=TaskUpdate,
    filters=(Filter("assigneeUid", "assigneeUid"), Filter("done", "done", type=bool), Filter("parentKey", "parentKey")),
    sorts=(Sort("dueDate"), Sort("createdAt", descending=True)),
    search_fields=(),
    checks=(on_parent(required=False), members_only("assigneeUid")),
)

KINDS: Mapping[str, Kind] = {kind.collection: kind for kind in (CONTACTS, COMPANIES, DEALS, NOTES, TASKS)}
SEARCHED = (CONTACTS.collection, COMPANIES.collection, DEALS.collection)


def records(kind: Kind) -> Records:
    """The service for a kind: contacts keep field provenance through their own editor."""
    return (ContactRecords if kind is CONTACTS else Records)(kind)
