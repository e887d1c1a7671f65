"""Who becomes a contact, on the emulators: creation policy, the team's own people, merges, hand-edited
fields, signatures, dead letters and the blocklist with its clean-up."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from itertools import count

import pytest

from shared import ids
from shared.crm.ingest import Ingestor
from shared.mail.extract import extract
from shared.pipeline.fetched import FetchedMessage
from shared.principals import Role
from shared.workspaces import add_member
from tests.support import id_token_for, mail, team_with_mailbox, wait_for, with_content

pytestmark = pytest.mark.integration

OWNER = "owner@lumenway.io"
MAILBOX = ids.mailbox_id(OWNER)
SIGNED = (
    "Hi,\n\nSounds good, let's meet Tuesday.\n\nBest regards,\nAnn Lee\nVP of Sales | Acme Robotics\n"
    "1 Canada Square, London E14 5AB\n+44 20 7123 4567\nhttps://www.linkedin.com/in/annlee\n"
)
_gmail_ids = count(1)


@pytest.fixture
def team(firestore_db, workspace_id):
    return team_with_mailbox(firestore_db, workspace_id, OWNER)


def _fetched(raw: bytes, *, at_ms: int = 1_700_000_000_000, labels: tuple[str, ...] = ("INBOX",)) -> FetchedMessage:
    number = next(_gmail_ids)
    return FetchedMessage(f"g{number}", f"t{number}", labels, number, at_ms + number, raw)


def _ingest(workspace_id: str, *messages: FetchedMessage, ingestor: Ingestor | None = None):
    return (ingestor or Ingestor()).ingest(
        workspace_id=workspace_id, mailbox_id=MAILBOX, owner_email=OWNER, sync_run_id="run-1", messages=list(messages)
    )


def _contact(db, workspace_id: str, email: str) -> dict:
    return db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().to_dict() or {}


def _interactions(db, workspace_id: str) -> list[dict]:
    return [s.to_dict() for s in db.collection("workspaces", workspace_id, "interactions").stream()]


def _set_policy(db, workspace_id: str, **settings: object) -> None:
    db.document("workspaces", workspace_id).set({"settings": {"requirePreview": False, **settings}}, merge=True)


def test_under_sent_a_stranger_counts_only_once_the_team_writes_to_them(firestore_db, team):
    _ingest(team, _fetched(mail("Bo Ring <bo@northwind.io>", OWNER, "Partnership?")))
    _ingest(team, _fetched(mail("Bo Ring <bo@northwind.io>", OWNER, "Following up")))
    assert _contact(firestore_db, team, "bo@northwind.io") == {}
    assert not firestore_db.document("workspaces", team, "companies", "northwind.io").get().exists
    stored = _interactions(firestore_db, team)
    assert len(stored) == 2
    assert all(i["contactIds"] == [] and i["uncountedIds"] == [ids.contact_id("bo@northwind.io")] for i in stored)
    assert all(i["people"][0]["counted"] is False for i in stored)

    _ingest(team, _fetched(mail(OWNER, "Bo Ring <bo@northwind.io>", "Re: Partnership?"), labels=("SENT",)))

    bo = _contact(firestore_db, team, "bo@northwind.io")
    assert (bo["sentCount"], bo["receivedCount"], bo["interactionCount"]) == (1, 2, 3)
    assert bo["name"] == "Bo Ring"
    company = firestore_db.document("workspaces", team, "companies", "northwind.io").get().to_dict()
    assert company["interactionCount"] == 3
    assert all(i["uncountedIds"] == [] and i["contactIds"] for i in _interactions(firestore_db, team))

    # Counted once: the history is not adopted again by later mail.
    _ingest(team, _fetched(mail("Bo Ring <bo@northwind.io>", OWNER, "Thanks")))
    assert _contact(firestore_db, team, "bo@northwind.io")["interactionCount"] == 4


def test_sent_and_received_and_none(firestore_db, team):
    _set_policy(firestore_db, team, contactCreation="sent_and_received")
    _ingest(team, _fetched(mail("Cy <cy@globex.de>", OWNER)))
    assert _contact(firestore_db, team, "cy@globex.de")["receivedCount"] == 1

    _set_policy(firestore_db, team, contactCreation="none")
    _ingest(team, _fetched(mail(OWNER, "Di <di@globex.de>"), labels=("SENT",)))
    _ingest(team, _fetched(mail("Cy <cy@globex.de>", OWNER, "Again")))
    assert _contact(firestore_db, team, "di@globex.de") == {}  # nobody is created under "none"...
    assert _contact(firestore_db, team, "cy@globex.de")["receivedCount"] == 2  # ...but contacts still count


def test_the_team_and_colleagues_are_never_contacts(firestore_db, team):
    add_member(team, uid="u-kim", email="kim@gmail.com", role=Role.MEMBER)
    _set_policy(firestore_db, team, contactCreation="sent_and_received")
    raw = mail("Kim <kim@gmail.com>", f"{OWNER}, Lou <lou@lumenway.io>, Max <max@acme.com>", "Team sync")
    _ingest(team, _fetched(raw))
    assert _contact(firestore_db, team, "kim@gmail.com") == {}  # a member
    assert _contact(firestore_db, team, "lou@lumenway.io") == {}  # a colleague at the team's domain
    assert _contact(firestore_db, team, "max@acme.com")["sentCount"] == 1  # a member wrote to Max: the team did
    (interaction,) = _interactions(firestore_db, team)
    assert interaction["direction"] == "outbound"
    assert [p["email"] for p in interaction["people"]] == ["max@acme.com"]


def test_mail_of_a_merged_address_counts_for_the_contact_it_was_merged_into(firestore_db, team):
    contacts = firestore_db.collection("workspaces", team, "contacts")
    target = ids.contact_id("ann@acme.com")
    contacts.document(target).set({"email": "ann@acme.com", "name": "Ann Lee", "receivedCount": 1, "sentCount": 0})
    contacts.document(ids.contact_id("ann.lee@gmail.com")).set({"email": "ann.lee@gmail.com", "mergedInto": target})

    _ingest(team, _fetched(mail("Annie <ann.lee@gmail.com>", OWNER)))

    ann = contacts.document(target).get().to_dict()
    assert (ann["receivedCount"], ann["interactionCount"]) == (2, 1)
    assert (ann["email"], ann["name"]) == ("ann@acme.com", "Ann Lee")  # the merged address changes no identity
    assert "receivedCount" not in _contact(firestore_db, team, "ann.lee@gmail.com")
    assert _interactions(firestore_db, team)[0]["contactIds"] == [target]


def test_signatures_land_on_the_contact_without_overwriting_what_people_typed(firestore_db, team):
    _set_policy(firestore_db, team, contactCreation="sent_and_received")
    _ingest(team, _fetched(mail("Ann Lee <ann@acme.com>", OWNER, "Tuesday", SIGNED), at_ms=1_700_000_000_000))
    ann = _contact(firestore_db, team, "ann@acme.com")
    signature = ann["signature"]
    assert signature["title"] == "VP of Sales"
    assert signature["company"] == "Acme Robotics"
    assert signature["phones"] == ["+442071234567"]
    assert signature["linkedin"] == "https://www.linkedin.com/in/annlee"
    assert signature["atMs"] > 1_700_000_000_000
    assert signature["address"] == "1 Canada Square, London E14 5AB"
    assert (ann["title"], ann["phones"]) == ("VP of Sales", ["+442071234567"])
    assert ann["address"] == "1 Canada Square, London E14 5AB"

    # A person edits name and title; older mail with another signature arrives later.
    reference = firestore_db.document("workspaces", team, "contacts", ids.contact_id("ann@acme.com"))
    reference.update({"name": "Dr Ann Lee", "title": "Chief Revenue Officer", "manualFields": ["name", "title"]})
    older = SIGNED.replace("VP of Sales", "Sales Manager").replace("7123 4567", "7123 9999")
    _ingest(team, _fetched(mail("Annie <ann@acme.com>", OWNER, "Old", older), at_ms=1_600_000_000_000))
    newer = SIGNED.replace("VP of Sales", "Head of Sales").replace("7123 4567", "7123 0000")
    _ingest(team, _fetched(mail("Annie <ann@acme.com>", OWNER, "New", newer), at_ms=1_800_000_000_000))

    ann = reference.get().to_dict()
    assert (ann["name"], ann["title"]) == ("Dr Ann Lee", "Chief Revenue Officer")  # typed by a person: kept
    assert ann["signature"]["title"] == "Head of Sales"  # the newest signature, never an older one
    assert ann["phones"] == ["+442071230000"]
    assert ann["address"] == "1 Canada Square, London E14 5AB"  # unchanged by the newer signature
    assert ann["receivedCount"] == 3


def test_a_signature_waits_on_uncounted_mail_until_its_writer_becomes_a_contact(firestore_db, team):
    _ingest(team, _fetched(mail("Ann Lee <ann@acme.com>", OWNER, "Tuesday", SIGNED)))  # a stranger under "sent"
    (waiting,) = _interactions(firestore_db, team)
    assert waiting["people"][0]["signature"]["title"] == "VP of Sales"  # kept: it may count later

    _ingest(team, _fetched(mail(OWNER, "Ann Lee <ann@acme.com>", "Re: Tuesday"), labels=("SENT",)))

    ann = _contact(firestore_db, team, "ann@acme.com")
    assert (ann["title"], ann["signature"]["company"]) == ("VP of Sales", "Acme Robotics")  # adopted with her mail
    # Counted now, the interactions no longer carry what the contact holds.
    assert all("signature" not in p for i in _interactions(firestore_db, team) for p in i["people"])


def test_a_message_extraction_cannot_read_becomes_a_dead_letter_and_the_rest_goes_on(firestore_db, team):
    _set_policy(firestore_db, team, contactCreation="sent_and_received")

    def fragile(raw: bytes, **options):
        if b"POISON" in raw:
            raise RuntimeError("cannot read this")
        return extract(raw, **options)

    poison = _fetched(mail("Eve <eve@initech.com>", OWNER, "POISON"))
    result = _ingest(
        team, poison, _fetched(mail("Fay <fay@hooli.com>", OWNER)), ingestor=Ingestor(extract_message=fragile)
    )
    assert result.stored == 2
    assert _contact(firestore_db, team, "fay@hooli.com")["receivedCount"] == 1
    assert _contact(firestore_db, team, "eve@initech.com") == {}
    (letter,) = [d.to_dict() for d in firestore_db.collection("deadLetters").stream()]
    assert letter["source"] == "extract"
    assert "cannot read this" in letter["reason"]
    assert letter["workspaceId"] == team
    unreadable = firestore_db.document(
        "workspaces", team, "interactions", ids.interaction_id(mailbox=MAILBOX, gmail_message_id=poison.id)
    )
    assert unreadable.get().to_dict()["skipped"] == "unreadable"


# -- the blocklist over HTTP ----------------------------------------------------------------------------------


def _call(stack, function: str, body: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{stack.functions_url}/{function}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_blocking_a_domain_removes_its_mail_and_keeps_future_mail_out(stack, firestore_db, team):
    stack.enable_auth()
    auth_url = f"http://127.0.0.1:{stack.ports.auth}"
    owner_token = id_token_for(auth_url, "u-owner", OWNER)
    _set_policy(firestore_db, team, contactCreation="sent_and_received")
    _ingest(team, _fetched(mail("Gus <gus@umbrella.com>", OWNER)))
    _ingest(team, _fetched(mail("Gus <gus@umbrella.com>", f"{OWNER}, Hal <hal@hooli.com>")))
    _ingest(team, _fetched(mail("Hal <hal@hooli.com>", OWNER)))
    assert _contact(firestore_db, team, "hal@hooli.com")["interactionCount"] == 2

    member = f"u-{uuid.uuid4().hex[:6]}"
    add_member(team, uid=member, email="viewer@lumenway.io", role=Role.MEMBER)
    body = {"workspaceId": team, "settings": {"blocklist": ["@Umbrella.com"]}}
    assert (
        _call(stack, "update-workspace-settings", body, id_token_for(auth_url, member, "viewer@lumenway.io"))[0] == 403
    )
    status, answer = _call(
        stack, "update-workspace-settings", {**body, "settings": {"blocklist": ["nope"]}}, owner_token
    )
    assert status == 400
    assert answer["error"]["field"].startswith("settings.blocklist")

    status, answer = _call(stack, "update-workspace-settings", body, owner_token)
    assert status == 200
    assert answer["settings"]["blocklist"] == ["umbrella.com"]
    assert answer["settings"]["contactCreation"] == "sent_and_received"  # fields left out keep their value

    wait_for(lambda: _contact(firestore_db, team, "gus@umbrella.com") == {}, what="Gus's mail to leave the CRM")
    hal = wait_for(lambda: (c := _contact(firestore_db, team, "hal@hooli.com"))["interactionCount"] == 1 and c)
    assert hal["receivedCount"] == 1
    company = firestore_db.document("workspaces", team, "companies", "umbrella.com")
    wait_for(lambda: not company.get().exists, what="the blocked company to go")  # recounted after the contacts
    skipped = [i for i in _interactions(firestore_db, team) if i.get("skipped") == "blocked"]
    assert len(skipped) == 2

    _ingest(team, _fetched(mail("Gus <gus@eu.umbrella.com>", f"{OWNER}, Hal <hal@hooli.com>", "Again")))
    assert _contact(firestore_db, team, "gus@eu.umbrella.com") == {}
    assert _contact(firestore_db, team, "hal@hooli.com")["interactionCount"] == 1
    assert len([i for i in _interactions(firestore_db, team) if i.get("skipped") == "blocked"]) == 3
    # Blocked mail, stored before or met now, keeps a stub: no content, no addresses, no people.
    for snapshot in firestore_db.collection("workspaces", team, "interactions").stream():
        if snapshot.get("skipped") == "blocked":
            stub = with_content(snapshot)
            assert not stub.keys() & {"subject", "snippet", "fromEmail", "participantEmails", "rfcMessageId"}
            assert stub["people"] == []
