"""Dead letters on the emulators: recorded with their mailbox and an expiry, listed by mailbox and
reason (`./rapport deadletters`), replayed through the real pipeline, and purged with their mailbox."""

from __future__ import annotations

import argparse
import io
from datetime import timedelta
from itertools import count

import pytest

from devstack.commands import deadletters as command
from shared import ids
from shared.crm.ingest import Ingestor
from shared.crm.repair import CrmRepair
from shared.deadletters import TTL_FIELD, DeadLetters
from shared.errors import NotFound
from shared.gmail.mailboxes import MailboxStore
from shared.mail.extract import extract
from shared.pipeline.fetched import FetchedMessage
from tests.integration.api import Api
from tests.integration.api import team as api_team
from tests.support import mail, team_with_mailbox, wait_for

pytestmark = pytest.mark.integration

OWNER = "owner@lumenway.io"
MAILBOX = ids.mailbox_id(OWNER)
_gmail_ids = count(500)


@pytest.fixture
def team(firestore_db, workspace_id):
    return team_with_mailbox(firestore_db, workspace_id, OWNER)


def _fragile(raw: bytes, **options):  # type: ignore[no-untyped-def]
    if b"POISON" in raw:
        raise RuntimeError("cannot read this")
    return extract(raw, **options)


def _ingest_poison(workspace_id: str) -> FetchedMessage:
    number = next(_gmail_ids)
    poison = FetchedMessage(
        f"g{number}", f"t{number}", ("SENT",), number, 1_700_000_000_000, mail(OWNER, "Eve <eve@initech.com>", "POISON")
    )
    Ingestor(extract_message=_fragile).ingest(
        workspace_id=workspace_id, mailbox_id=MAILBOX, owner_email=OWNER, sync_run_id="run-1", messages=[poison]
    )
    return poison


def _run(action: str, **options: object) -> str:
    out = io.StringIO()
    defaults = {"workspace": None, "mailbox": None, "json": False, "all": False, "ids": []}
    assert command.command(argparse.Namespace(action=action, **{**defaults, **options}), out=out) == 0
    return out.getvalue()


def _contact(db, workspace_id: str, email: str) -> dict:
    return db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().to_dict() or {}


def test_a_dead_letter_is_listed_by_mailbox_and_reason_and_replayed_through_the_pipeline(firestore_db, team):
    _ingest_poison(team)
    (letter,) = DeadLetters().list(workspace_id=team)
    assert (letter.mailbox_id, letter.source, letter.replayable) == (MAILBOX, "extract", True)
    stored = firestore_db.document("deadLetters", letter.id).get().to_dict()
    assert stored[TTL_FIELD] - stored["recordedAt"] == timedelta(days=30)  # Firestore's TTL deletes it then
    listing = _run("list", workspace=team)
    assert f"{MAILBOX} · extraction failed: RuntimeError: cannot read this · 1" in listing
    assert letter.id in listing
    assert _contact(firestore_db, team, "eve@initech.com") == {}

    # The extractor that failed is fixed (extract-messages runs the real one): a replay stores the mail.
    assert f"{letter.id}: replayed to mail_fetched" in _run("replay", ids=[letter.id])
    eve = wait_for(lambda: _contact(firestore_db, team, "eve@initech.com"), what="the replayed message")
    assert (eve["sentCount"], eve["interactionCount"]) == (1, 1)
    assert DeadLetters().list(workspace_id=team) == []
    with pytest.raises(NotFound):
        DeadLetters().replay(letter.id)


def test_dead_letters_leave_with_their_mailbox_and_other_workspaces_cannot_touch_them(firestore_db, team):
    _ingest_poison(team)
    (letter,) = DeadLetters().list(workspace_id=team)
    with pytest.raises(NotFound):
        DeadLetters().replay(letter.id, workspace_id="ws-someone-else")

    CrmRepair(db=firestore_db).purge_mailbox(team, mailbox_id=MAILBOX)

    assert DeadLetters().list() == []
    assert "no dead letters" in _run("list")


def test_admins_list_and_replay_their_workspace_dead_letters_through_the_api(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = api_team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    firestore_db.document("workspaces", workspace_id).set({"settings": {"requirePreview": False}}, merge=True)
    MailboxStore().save_connection(workspace_id=workspace_id, owner_uid="u-owner", email=OWNER, refresh_token="t")
    _ingest_poison(workspace_id)
    api = Api(stack.functions_url, workspace_id)

    listed = api.call(users["admin"], "GET", "dead-letters")
    assert listed.status == 200, listed.body
    (letter,) = listed.body["items"]
    assert (letter["mailboxId"], letter["replayable"]) == (MAILBOX, True)
    assert letter["reason"].startswith("extraction failed")
    for role in ("member", "viewer", "outsider"):
        assert api.call(users[role], "GET", "dead-letters").status == 403
        body = {"workspaceId": workspace_id, "deadLetterId": letter["id"]}
        assert api.call(users[role], "POST", "dead-letters/replay", body).status == 403

    other = {"workspaceId": f"{workspace_id}-other", "deadLetterId": letter["id"]}
    stolen = api.call(users["outsider"], "POST", "dead-letters/replay", other)
    assert stolen.status == 404  # another workspace's letter is not there for its admins

    body = {"workspaceId": workspace_id, "deadLetterId": letter["id"]}
    replayed = api.call(users["admin"], "POST", "dead-letters/replay", body)
    assert replayed.status == 202, replayed.body
    wait_for(lambda: _contact(firestore_db, workspace_id, "eve@initech.com"), what="the replayed message")
    assert api.call(users["admin"], "GET", "dead-letters").body["items"] == []
