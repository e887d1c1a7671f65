"""Contact edits on the emulator: provenance in manualFields, and no lost updates between two editors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from google.api_core import exceptions
from google.cloud import firestore

from shared import ids
from shared.crm import audit
from shared.crm.contacts import ContactEditor
from shared.crm.kinds import CONTACTS
from shared.crm.models import ContactUpdate
from shared.crm.records import ContactRecords
from shared.errors import Conflict, InvalidInput
from shared.principals import Principal

pytestmark = pytest.mark.integration

ANN = "ann@acme.io"
AT = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def ann(firestore_db, workspace_id) -> firestore.DocumentReference:
    reference = firestore_db.document("workspaces", workspace_id, "contacts", ids.contact_id(ANN))
    reference.set({"email": ANN, "emails": [ANN], "name": "ann", "title": "Sales", "sentCount": 1})
    return reference


def editor(db) -> ContactEditor:
    return ContactEditor(db=db, now=lambda: AT)


def test_an_edit_sets_fields_and_records_who_set_them(firestore_db, workspace_id, ann):
    edit = editor(firestore_db).update(
        workspace_id, contact_id=ann.id, changes={"name": "Ann Lee", "phone": None}, by_uid="u-1", expected_version=0
    )

    stored = ann.get().to_dict()
    assert (stored["name"], stored["phone"], stored["title"]) == ("Ann Lee", None, "Sales")
    assert stored["manualFields"] == ["name", "phone"]
    assert (stored["editedBy"], stored["editedAtMs"], stored["version"]) == ("u-1", int(AT.timestamp() * 1000), 1)
    assert edit.before["name"] == "ann"
    assert edit.version == 1

    editor(firestore_db).update(
        workspace_id, contact_id=ann.id, changes={"title": "VP Sales"}, by_uid="u-2", expected_version=1
    )
    stored = ann.get().to_dict()
    assert stored["manualFields"] == ["name", "phone", "title"]
    assert (stored["editedBy"], stored["version"]) == ("u-2", 2)


def test_a_stale_edit_is_a_conflict_carrying_the_current_values(firestore_db, workspace_id, ann):
    editor(firestore_db).update(
        workspace_id, contact_id=ann.id, changes={"title": "VP Sales"}, by_uid="u-1", expected_version=0
    )

    with pytest.raises(Conflict) as raised:
        editor(firestore_db).update(
            workspace_id, contact_id=ann.id, changes={"title": "Head of Sales"}, by_uid="u-2", expected_version=0
        )

    assert raised.value.details == {"current": {"title": "VP Sales"}, "version": 1}
    assert ann.get().to_dict()["title"] == "VP Sales"


def test_of_two_editors_who_saw_the_same_version_exactly_one_wins(firestore_db, workspace_id, ann):
    def attempt(title: str) -> str:
        try:
            editor(firestore_db).update(
                workspace_id, contact_id=ann.id, changes={"title": title}, by_uid=title, expected_version=0
            )
        except Conflict:
            return "conflict"
        return "saved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(attempt, ["CEO", "CTO"]))

    assert outcomes == ["conflict", "saved"]
    stored = ann.get().to_dict()
    assert stored["version"] == 1
    assert stored["title"] == stored["editedBy"]  # the winner's value, never a mix


def test_counters_moving_under_an_open_form_do_not_make_it_stale(firestore_db, workspace_id, ann):
    ann.set(
        {"sentCount": firestore.Increment(1), "lastInteractionMs": firestore.Maximum(1)}, merge=True
    )  # as ingestion
    editor(firestore_db).update(
        workspace_id, contact_id=ann.id, changes={"title": "VP Sales"}, by_uid="u-1", expected_version=0
    )
    assert ann.get().to_dict()["sentCount"] == 2


@pytest.mark.parametrize("changes", [{}, {"sentCount": 9}, {"mergedInto": "c_x"}, {"enrichment.role": "x"}, {"a.b": 1}])
def test_rapports_own_fields_and_field_paths_cannot_be_edited(firestore_db, workspace_id, ann, changes):
    with pytest.raises(InvalidInput):
        editor(firestore_db).update(workspace_id, contact_id=ann.id, changes=changes, by_uid="u-1", expected_version=0)
    assert "version" not in ann.get().to_dict()


def test_an_alias_left_by_a_merge_is_not_edited(firestore_db, workspace_id, ann):
    ann.update({"mergedInto": "c_target"})
    with pytest.raises(Conflict) as raised:
        editor(firestore_db).update(
            workspace_id, contact_id=ann.id, changes={"title": "x"}, by_uid="u-1", expected_version=0
        )
    assert raised.value.details["mergedInto"] == "c_target"


def test_an_edit_whose_audit_entry_is_refused_does_not_land(firestore_db, workspace_id, ann):
    # The entry carries the contact before and after; with a large field that is past Firestore's
    # 1 MiB document limit, so the database refuses the entry (the contact itself still fits).
    ann.update({"background": "x" * 600_000})
    records = ContactRecords(CONTACTS, db=firestore_db, clock=lambda: AT)

    with pytest.raises(exceptions.InvalidArgument):
        records.update(
            workspace_id,
            actor=Principal("u-1", None),
            record_id=ann.id,
            body=ContactUpdate(title="VP Sales", version=0),
        )

    stored = ann.get().to_dict()
    assert (stored["title"], stored.get("version")) == ("Sales", None)  # the edit went down with its entry
    assert "manualFields" not in stored
    assert not list(firestore_db.collection("workspaces", workspace_id, audit.COLLECTION).stream())
