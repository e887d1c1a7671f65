"""Undoing a CSV import on the emulators takes back only what the import wrote: mail counted, addresses
and signature fields gathered since the import stay."""

from __future__ import annotations

from itertools import count

import pytest

from shared import ids
from shared.crm.csv_io import CsvImports
from shared.crm.ingest import Ingestor
from shared.crm.models import CsvImport
from shared.pipeline.fetched import FetchedMessage
from shared.principals import Principal
from tests.support import mail, team_with_mailbox

pytestmark = pytest.mark.integration

OWNER = "owner@lumenway.io"
MAILBOX = ids.mailbox_id(OWNER)
ACTOR = Principal(uid="u-owner", email=OWNER)
_gmail_ids = count(1)


@pytest.fixture
def team(firestore_db, workspace_id):
    return team_with_mailbox(firestore_db, workspace_id, OWNER)


def _ingest_from(workspace_id: str, sender: str, messages: int) -> None:
    fetched = []
    for _ in range(messages):
        number = next(_gmail_ids)
        raw = mail(OWNER, sender, f"Note {number}")
        fetched.append(FetchedMessage(f"g{number}", f"t{number}", ("SENT",), number, 1_700_000_000_000 + number, raw))
    Ingestor().ingest(
        workspace_id=workspace_id, mailbox_id=MAILBOX, owner_email=OWNER, sync_run_id="run-1", messages=fetched
    )


def _contact(db, workspace_id: str, email: str) -> dict:
    return db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().to_dict() or {}


def test_undo_keeps_mail_counted_since_the_import(firestore_db, team):
    # Bo exists before the import (from mail); Ann and Cy are created by it.
    _ingest_from(team, "Bo Ray <bo@acme.com>", 1)
    csv = "Email,Name,Title\nann@acme.com,Ann Lee,CTO\nbo@acme.com,Bob Ray,CFO\ncy@acme.com,Cy Young,\n"
    applied = CsvImports().apply(team, ACTOR, CsvImport(kind="contacts", csv=csv))
    _ingest_from(team, "Ann Lee <ann@acme.com>", 3)
    _ingest_from(team, "Bo Ray <bo@acme.com>", 3)

    undone = CsvImports().undo(team, actor=ACTOR, import_id=applied["importId"])

    assert undone["kept"] == []
    ann = _contact(firestore_db, team, "ann@acme.com")
    assert (ann["sentCount"], ann["interactionCount"]) == (3, 3)  # her mail still counts
    assert "title" not in ann  # what the import wrote is gone
    assert ann["email"] == "ann@acme.com"
    bo = _contact(firestore_db, team, "bo@acme.com")
    assert (bo["sentCount"], bo["interactionCount"]) == (4, 4)
    assert (bo["name"], bo.get("title")) == ("Bo Ray", None)  # back to what mail said before the import
    assert "title" not in (bo.get("manualFields") or [])
    assert _contact(firestore_db, team, "cy@acme.com") == {}  # untouched since: removed entirely
