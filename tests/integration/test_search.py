"""Search finds every record holding all the words of a query, however many records hold only some of them."""

from __future__ import annotations

import pytest

from shared.crm.kinds import CONTACTS, SEARCHED, records
from shared.crm.models import ContactCreate
from shared.crm.search import Search, indexed, search_tokens
from shared.crm.search_backfill import SearchKeysBackfill
from shared.principals import Principal
from shared.workspaces import create_workspace

pytestmark = pytest.mark.integration

OWNER = Principal(uid="owner-1", email="owner@lumenway.example", email_verified=True)


def test_a_match_behind_many_on_the_longest_word_is_found(firestore_db, workspace_id):
    create_workspace(workspace_id, name="Lumenway", owner_uid=OWNER.uid, owner_email=OWNER.email)
    contacts = firestore_db.collection("workspaces", workspace_id, "contacts")
    batch = firestore_db.batch()
    for n in range(70):  # more than any first page of "anderson" holds, each ahead of the match by id
        name, email = f"Anderson Filler{n}", f"anderson{n}@filler.example"
        batch.set(
            contacts.document(f"a_{n:03d}"), {"name": name, "email": email, **indexed(search_tokens([name, email]))}
        )
    batch.commit()
    created = records(CONTACTS).create(
        workspace_id, OWNER, ContactCreate(email="zed.anderson@globex.example", name="Zed Anderson")
    )
    assert created["id"] > "a_069"

    found = Search().search(workspace_id, "anderson ze", collections=["contacts"], limit=5)
    assert [hit.record["id"] for hit in found] == [created["id"]]
    assert not {"searchKeys", "searchTokens"} & set(found[0].record)  # bookkeeping stays inside
    # Bounded: a word many hold answers one page, never every match.
    assert len(Search().search(workspace_id, "anderson", collections=["contacts"], limit=5)) == 5


def test_records_stored_before_search_keys_existed_are_filled_once(firestore_db, workspace_id):
    create_workspace(workspace_id, name="Lumenway", owner_uid=OWNER.uid, owner_email=OWNER.email)
    workspace = firestore_db.collection("workspaces").document(workspace_id)
    for collection, record_id, words in (
        ("contacts", "c_old", ["Priya Raman", "priya@brightforge.example"]),
        ("companies", "brightforge.example", ["Brightforge", "brightforge.example"]),
        ("deals", "d_old", ["Brightforge pilot"]),
    ):
        workspace.collection(collection).document(record_id).set({"searchTokens": search_tokens(words)})
    records(CONTACTS).create(workspace_id, OWNER, ContactCreate(email="sam@globex.example", name="Sam Ito"))
    assert Search().search(workspace_id, "brightforge", collections=SEARCHED) == []

    backfill = SearchKeysBackfill()
    assert backfill.fill_all() == 3  # the record written with its map is left alone
    found = Search().search(workspace_id, "bright", collections=SEARCHED)
    assert sorted(hit.record["id"] for hit in found) == ["brightforge.example", "c_old", "d_old"]
    assert backfill.fill(workspace_id) == 0  # marked done: later runs read nothing
