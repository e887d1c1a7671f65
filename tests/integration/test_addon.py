"""The Gmail add-on end to end: Google's signed events to the local functions, the open message read from
the local Gmail server with the add-on's own tokens, Card v1 answers checked against the schema, and every
action's change audited as made from Gmail."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from devstack import demo
from devstack.addon_client import AddonCaller
from devstack.card_schema import card_errors, cards_in
from devstack.identity import LocalIdentity
from devstack.stack import ADDON_OAUTH_CLIENT_ID, ADDON_SERVICE_AGENT
from shared import ids
from shared.crm import member_strength
from shared.gmail.mailboxes import MailboxStore
from shared.principals import Role
from shared.workspaces import add_member, create_workspace
from tests.support import mail

pytestmark = pytest.mark.integration
MESSAGE, ACTION, HOMEPAGE = "addon-message", "addon-action", "addon-homepage"


@pytest.fixture
def addon(stack) -> AddonCaller:
    return AddonCaller(stack.functions_url, stack.gmail_url, stack.identity)


@pytest.fixture
def team(stack, firestore_db, workspace_id) -> dict[str, str]:
    """A workspace whose owner's Gmail (at the local Gmail server) is connected, with one message in it."""
    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    create_workspace(workspace_id, name="Lumenway", owner_uid="u-owner", owner_email=owner)
    refresh_token = demo.load_mailbox(stack.gmail_url, owner)
    MailboxStore().save_connection(
        workspace_id=workspace_id, owner_uid="u-owner", email=owner, refresh_token=refresh_token
    )
    raw = mail("Dana Reyes <dana@northwind-analytics.com>", owner, "Pilot pricing", cc="Sam <sam@lumenway.io>")
    message_id = demo.deliver(stack.gmail_url, owner, raw)["id"]
    return {"owner": owner, "message": message_id, "workspace": workspace_id}


def _card(answer: dict[str, Any]) -> dict[str, Any]:
    found = cards_in(answer)
    assert len(found) == 1, answer
    assert card_errors(found[0]) == [], card_errors(found[0])
    return found[0]


def _texts(card: dict[str, Any]) -> str:
    """Everything a card says, as one string to search."""
    return json.dumps(card, ensure_ascii=False)


def _audit(db, workspace_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [s.to_dict() for s in db.collection("workspaces", workspace_id, "audit").stream()]


def test_an_unknown_sender_gets_a_prefilled_card_and_becomes_a_contact_from_gmail(addon, team, firestore_db):
    status, answer = addon.call(MESSAGE, team["owner"], message_id=team["message"])
    assert status == 200
    card = _card(answer)
    assert card["name"] == "unknown-person", card
    said = _texts(card)
    assert "dana@northwind-analytics.com" in said
    assert "Northwind Analytics" in said
    assert "Dana Reyes" in said
    assert "sam@lumenway.io" in said  # the other participant, switchable

    status, answer = addon.call(
        ACTION,
        team["owner"],
        message_id=team["message"],
        parameters={
            "action": "create_contact",
            "workspaceId": team["workspace"],
            "email": "dana@northwind-analytics.com",
        },
        form={"name": "Dana Reyes", "title": "Head of Data", "company": "Northwind Analytics"},
    )
    assert status == 200
    card = _card(answer)
    assert card["name"] == "person"
    assert answer["renderActions"]["action"]["notification"]["text"] == "Contact created"
    contact = (
        firestore_db.document(
            "workspaces", team["workspace"], "contacts", ids.contact_id("dana@northwind-analytics.com")
        )
        .get()
        .to_dict()
    )
    assert (contact["name"], contact["title"], contact["createdBy"]) == ("Dana Reyes", "Head of Data", "u-owner")
    entries = _audit(firestore_db, team["workspace"])
    assert [(e["action"], e["entity"], e.get("via")) for e in entries] == [("create", "contact", "gmail-addon")]


def test_each_action_changes_the_crm_and_is_audited_as_from_gmail(addon, team, firestore_db):
    sender = "dana@northwind-analytics.com"
    ws = team["workspace"]

    def act(action: str, **extra: Any) -> dict[str, Any]:
        form = extra.pop("form", None)
        status, answer = addon.call(
            ACTION,
            team["owner"],
            message_id=team["message"],
            parameters={"action": action, "workspaceId": ws, "email": sender, **extra},
            form=form,
        )
        assert status == 200, answer
        _card(answer)
        return answer

    act("create_contact", form={"name": "Dana Reyes"})
    contact_id = ids.contact_id(sender)
    assert "Note saved" in str(act("note", form={"note": "Wants the pilot in January"}))
    assert "Task created" in str(act("task", form={"task": "Send the pilot quote", "due": 1_798_761_600_000}))
    assert "Deal created" in str(act("create_deal", form={"deal": "Northwind pilot"}))
    deal = next(iter(firestore_db.collection("workspaces", ws, "deals").stream()))
    opened = _card(act("open_deal", dealId=deal.id))
    assert opened["name"] == "deal"
    assert "Deal moved to won" in str(act("move_deal", dealId=deal.id, form={"stage": "won"}))
    assert "Blocked dana@northwind-analytics.com" in str(act("block_sender"))
    assert "Blocked northwind-analytics.com" in str(act("block_domain"))

    notes = [s.to_dict() for s in firestore_db.collection("workspaces", ws, "notes").stream()]
    assert [(n["body"], n["parentKey"]) for n in notes] == [("Wants the pilot in January", f"contact:{contact_id}")]
    task = next(iter(firestore_db.collection("workspaces", ws, "tasks").stream())).to_dict()
    assert (task["title"], task["dueDate"], task["assigneeUid"]) == ("Send the pilot quote", "2027-01-01", "u-owner")
    moved = firestore_db.document("workspaces", ws, "deals", deal.id).get().to_dict()
    assert (moved["stage"], moved["contactIds"]) == ("won", [contact_id])
    settings = firestore_db.document("workspaces", ws).get().to_dict()["settings"]
    assert settings["blocklist"] == ["dana@northwind-analytics.com", "northwind-analytics.com"]
    done = sorted((e["action"], e["entity"]) for e in _audit(firestore_db, ws))
    assert done == sorted(
        [
            ("create", "contact"),
            ("create", "note"),
            ("create", "task"),
            ("create", "deal"),
            ("update", "deal"),
            ("update", "workspace"),
            ("update", "workspace"),
        ]
    )
    assert {e.get("via") for e in _audit(firestore_db, ws)} == {"gmail-addon"}

    # The person's card now shows what was done; and their address is blocked for new contacts.
    card = _card(addon.call(MESSAGE, team["owner"], message_id=team["message"])[1])
    said = _texts(card)
    assert card["name"] == "person"
    assert "Northwind pilot" in said
    assert "Send the pilot quote" in said


def test_a_viewer_sees_cards_but_cannot_change_anything(addon, team, firestore_db):
    viewer = f"viewer.{uuid.uuid4().hex[:6]}@lumenway.io"
    add_member(team["workspace"], uid="u-viewer", email=viewer, role=Role.VIEWER)
    demo.load_mailbox(addon.gmail_url, viewer)
    firestore_db.document("mailboxIndex", viewer, "workspaces", team["workspace"]).set(
        {"workspaceId": team["workspace"]}
    )
    raw = mail("Dana Reyes <dana@northwind-analytics.com>", viewer, "Hello")
    message_id = demo.deliver(addon.gmail_url, viewer, raw)["id"]
    status, answer = addon.call(
        ACTION,
        viewer,
        message_id=message_id,
        parameters={"action": "create_contact", "email": "dana@northwind-analytics.com"},
    )
    assert status == 200
    assert "member role" in answer["renderActions"]["action"]["notification"]["text"]
    assert list(firestore_db.collection("workspaces", team["workspace"], "contacts").stream()) == []


def _near_misses(addon: AddonCaller, stack, user: str) -> dict[str, dict[str, str]]:
    url = addon.url(MESSAGE)
    stranger = LocalIdentity.generate()
    return {
        "no system token": {"system_token": ""},
        "forged system token": {"system_token": stranger.mint(audience=url, email=ADDON_SERVICE_AGENT)},
        "another endpoint's audience": {
            "system_token": stack.identity.mint(audience=addon.url(HOMEPAGE), email=ADDON_SERVICE_AGENT)
        },
        "expired system token": {
            "system_token": stack.identity.mint(audience=url, email=ADDON_SERVICE_AGENT, lifetime=timedelta(hours=-2))
        },
        "another account's system token": {
            "system_token": stack.identity.mint(
                audience=url, email=f"rapport-api@{stack.env['RAPPORT_PROJECT_ID']}.iam.gserviceaccount.com"
            )
        },
        "no user token": {"user_token": ""},
        "user token for another client": {"user_token": stack.identity.mint(audience="someone-else", email=user)},
        "forged user token": {"user_token": stranger.mint(audience=ADDON_OAUTH_CLIENT_ID, email=user)},
        "expired user token": {
            "user_token": stack.identity.mint(audience=ADDON_OAUTH_CLIENT_ID, email=user, lifetime=timedelta(hours=-2))
        },
        "unverified user address": {
            "user_token": stack.identity.mint(audience=ADDON_OAUTH_CLIENT_ID, email=user, email_verified=False)
        },
    }


def test_every_token_but_googles_for_this_endpoint_is_refused_with_a_card(addon, team, stack, firestore_db):
    for case, tokens in _near_misses(addon, stack, team["owner"]).items():
        status, answer = addon.post(MESSAGE, addon.event(MESSAGE, team["owner"], message_id=team["message"], **tokens))
        assert status == 401, case
        assert _card(answer)["name"] == "notice", case
        assert "could not verify" in _texts(answer), case
    assert _audit(firestore_db, team["workspace"]) == []


def test_plain_cards_for_no_workspace_no_connection_and_an_unreadable_message(addon, team, stack, firestore_db):
    stranger = f"stranger.{uuid.uuid4().hex[:6]}@elsewhere.org"
    demo.load_mailbox(stack.gmail_url, stranger)
    said = _texts(_card(addon.call(HOMEPAGE, stranger)[1]))
    assert "not a member of any Rapport workspace" in said

    unconnected = f"unconnected.{uuid.uuid4().hex[:6]}@lumenway.io"
    add_member(team["workspace"], uid="u-unconnected", email=unconnected, role=Role.MEMBER)
    assert "Gmail not connected" in _texts(_card(addon.call(HOMEPAGE, unconnected)[1]))

    # Another account's message: the owner's Gmail has no such message.
    other = demo.deliver(stack.gmail_url, stranger, mail("x@y.com", stranger))["id"]
    status, answer = addon.call(MESSAGE, team["owner"], message_id=other)
    assert status == 200
    assert "Message not available" in _texts(_card(answer))

    # A deleted message.
    urllib_delete(stack.gmail_url, team["owner"], team["message"])
    assert "Message not available" in _texts(_card(addon.call(MESSAGE, team["owner"], message_id=team["message"])[1]))


def urllib_delete(gmail_url: str, email: str, message_id: str) -> None:
    import urllib.request

    request = urllib.request.Request(f"{gmail_url}/_dev/mailboxes/{email}/messages/{message_id}", method="DELETE")
    urllib.request.urlopen(request, timeout=10).close()


def test_two_hundred_participants_and_huge_names_are_truncated_never_refused(addon, team, stack):
    names = ", ".join(f'"{"Very Long Name " * 30}{i}" <person{i}@example{i}.com>' for i in range(200))
    raw = mail("Dana Reyes <dana@northwind-analytics.com>", team["owner"], "All hands " * 50, cc=names)
    message_id = demo.deliver(stack.gmail_url, team["owner"], raw)["id"]
    status, answer = addon.call(MESSAGE, team["owner"], message_id=message_id)
    assert status == 200
    card = _card(answer)
    assert len(_texts(card)) < 100_000
    picker = card["sections"][0]["widgets"][0]["selectionInput"]
    assert len(picker["items"]) == 50
    assert all(len(item["text"]) <= 80 for item in picker["items"])


def test_a_user_in_two_workspaces_chooses_and_the_choice_sticks(addon, team, firestore_db):
    second = f"ws-{uuid.uuid4().hex[:10]}"
    create_workspace(second, name="Side project", owner_uid="u-owner", owner_email=team["owner"])
    firestore_db.document("mailboxIndex", team["owner"], "workspaces", second).set({"workspaceId": second})
    card = _card(addon.call(HOMEPAGE, team["owner"])[1])
    assert card["name"] == "workspace-chooser"
    assert "Side project" in _texts(card)
    assert "Lumenway" in _texts(card)

    status, answer = addon.call(ACTION, team["owner"], parameters={"action": "choose_workspace", "chosen": second})
    assert status == 200
    assert _card(answer)["name"] == "homepage"
    remembered = _card(addon.call(HOMEPAGE, team["owner"])[1])
    assert remembered["name"] == "homepage"
    assert "Workspace: Side project (switch)" in _texts(remembered)
    member = firestore_db.document("workspaces", second, "members", "u-owner").get().to_dict()
    assert "addonChosenAt" in member

    # A card names a workspace by its name wherever it names one: renamed since, or a member document
    # written before it carried the name (given it on first sight, so later cards read nothing more).
    from google.cloud import firestore

    from shared.principals import Principal
    from shared.workspace_profile import WorkspaceProfile

    owner = Principal(uid="u-owner", email=team["owner"], email_verified=True)
    WorkspaceProfile(db=firestore_db).rename(second, owner, "Weekend venture")
    assert "Workspace: Weekend venture (switch)" in _texts(_card(addon.call(HOMEPAGE, team["owner"])[1]))
    first = firestore_db.document("workspaces", team["workspace"], "members", "u-owner")
    first.update({"workspaceName": firestore.DELETE_FIELD})
    said = _texts(_card(addon.call(HOMEPAGE, team["owner"], parameters={"workspaceId": team["workspace"]})[1]))
    assert "Workspace: Lumenway (switch)" in said
    assert first.get().to_dict()["workspaceName"] == "Lumenway"
    chooser = _card(addon.call(ACTION, team["owner"], parameters={"action": "switch_workspace"})[1])
    assert {"Lumenway", "Weekend venture"} <= {
        w["buttonList"]["buttons"][0]["text"] for w in chooser["sections"][0]["widgets"] if "buttonList" in w
    }


def test_the_homepage_lists_who_goes_cold_your_tasks_and_who_wrote_lately(addon, team, firestore_db):
    """The lists come from the fields the nightly refresh keeps (relationships.list_fields), not from sorting
    every contact: a quiet contact that is neither cold nor recent is on no list."""
    from datetime import UTC, datetime

    from shared.crm.relationships import DAY_MS, RelationshipStats

    ws, now_ms = team["workspace"], int(datetime.now(UTC).timestamp() * 1000)
    strength = {"score": 50.0, "raw": 5.0, "asOfMs": now_ms, "halfLifeDays": 45.0, "scale": 10.0}
    contacts = firestore_db.collection("workspaces", ws, "contacts")
    silent = {"lastInteractionMs": now_ms - 200 * DAY_MS, "strength": strength, "goingCold": False}
    contacts.document("c-cold").set(
        {"email": "cora@acme.com", "name": "Cora Cold", **silent, "relationship": {"coldAfterMs": now_ms - DAY_MS}}
    )
    contacts.document("c-quiet").set({"email": "quinn@acme.com", "name": "Quinn Quiet", **silent})
    contacts.document("c-recent").set({"email": "rey@acme.com", "name": "Rey Recent", "lastInteractionMs": now_ms})
    firestore_db.document("workspaces", ws, "tasks", "t-1").set(
        {"title": "Call Cora", "done": False, "dueDate": "2026-12-10", "assigneeUid": "u-owner"}
    )
    RelationshipStats(db=firestore_db).refresh_workspace(ws)

    card = _card(addon.call(HOMEPAGE, team["owner"])[1])
    said = {section.get("header"): _texts(section) for section in card["sections"]}
    assert "Cora Cold" in said["Going cold"]
    assert "Rey Recent" in said["Recent activity"]
    assert "Call Cora" in said["Your tasks"]
    assert "Quinn" not in _texts(card)
    assert "Cora" not in said["Recent activity"]
    assert "Rey" not in said["Going cold"]


def _card_logs(stack, start: int) -> list[dict]:  # type: ignore[no-untyped-def]
    with (stack.runtime_dir / "logs" / "functions.log").open() as log:
        log.seek(start)
        lines = log.read().splitlines()
    return [entry for entry in (_json_line(line) for line in lines) if entry.get("message") == "add-on card"]


def _json_line(line: str) -> dict:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@pytest.mark.timeout(900)
def test_every_message_of_the_demo_mailbox_gets_a_valid_card_in_ten_reads(addon, stack, firestore_db, tmp_path):
    """The demo mailbox `./rapport up` ingests (hostile mail included), ingested, then opened message by message."""
    from devstack.demo_mailbox import generate
    from shared.gmail.api import GmailMailbox
    from tests.support import wait_for

    owner = f"alex.{uuid.uuid4().hex[:6]}@lumenway.io"
    mbox = tmp_path / "demo.mbox"
    generate(owner=owner, hostile=True).write_mbox(mbox)
    workspace_id = f"ws-{uuid.uuid4().hex[:10]}"
    ref = demo.connect_demo(stack.gmail_url, owner, mbox, workspace_id=workspace_id)
    wait_for(lambda: demo.mailbox_progress(ref).done, timeout=600, what="the demo mailbox's backfill")
    message_ids = [
        message_id
        for page in GmailMailbox.for_refresh_token(MailboxStore().refresh_token(ref)).message_id_pages("")
        for message_id in page
    ]
    assert len(message_ids) > 1500
    # `./rapport up` prints the preview of the newest message someone sent.
    from devstack.commands.up import addon_preview_url

    preview = addon_preview_url("http://web", workspace_id=workspace_id, owner=owner)
    assert preview.startswith("http://web/addon-preview?message=")
    assert preview.split("message=")[1].split("&")[0] in message_ids
    log_file = stack.runtime_dir / "logs" / "functions.log"
    start = log_file.stat().st_size

    def open_message(message_id: str) -> str:
        status, answer = addon.call(MESSAGE, owner, message_id=message_id)
        assert status == 200, message_id
        return str(_card(answer)["name"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        names = set(pool.map(open_message, message_ids))
    assert {"person", "unknown-person"} <= names
    logged = wait_for(lambda: len(_card_logs(stack, start)) >= len(message_ids) and _card_logs(stack, start))
    assert max(entry["reads"] for entry in logged) <= 10


def test_a_sender_writing_from_one_of_ten_aliases_gets_the_merged_persons_card(addon, team, stack, firestore_db):
    ws = team["workspace"]
    aliases = [f"dana{i}@northwind-analytics.com" for i in range(10)]
    contacts = firestore_db.collection("workspaces", ws, "contacts")
    primary = ids.contact_id("dana@northwind-analytics.com")
    contacts.document(primary).set(
        {"email": "dana@northwind-analytics.com", "emails": ["dana@northwind-analytics.com", *aliases], "name": "Dana"}
    )
    for alias in aliases:
        contacts.document(ids.contact_id(alias)).set({"email": alias, "mergedInto": primary})
    raw = mail("Dana <dana7@northwind-analytics.com>", team["owner"], "From my other address")
    message_id = demo.deliver(stack.gmail_url, team["owner"], raw)["id"]
    card = _card(addon.call(MESSAGE, team["owner"], message_id=message_id)[1])
    assert card["name"] == "person"
    said = _texts(card)
    assert f"/contacts/{primary}" in said
    assert "dana0@northwind-analytics.com" in said
    assert "dana9@northwind-analytics.com" not in said  # three aliases shown, not ten


def test_the_card_shows_the_ai_summary_and_who_knows_them_best_and_asks_rapport(addon, team, firestore_db):
    sender, ws = "dana@northwind-analytics.com", team["workspace"]
    addon.call(
        ACTION, team["owner"], message_id=team["message"], parameters={"action": "create_contact", "email": sender}
    )
    mailbox_id = ids.mailbox_id(team["owner"])
    # The owner's own mail with Dana as ingestion sums it (decision 27): a few one-way messages, lately.
    now_ms = int(time.time() * 1000)
    weight = member_strength.forward_weight(now_ms, member_strength.HALF_LIFE_DAYS)
    sums = {"sent": 2 * weight, "received": 0.0, "copied": 0.0, "fast": 0.0, "count": 2, "lastMs": now_ms}
    firestore_db.document("workspaces", ws, "contacts", ids.contact_id(sender)).update(
        {
            "relationshipSummary": "Evaluating a pilot of the analytics suite.",
            "suggestedNextStep": "Send the pilot quote by Friday.",
            member_strength.MEMBER_FIELD: {mailbox_id: sums},
            # A stale sortable score of another mailbox: the card reads the sums, as the web app does.
            member_strength.SCORES_FIELD: {"mb-someone-else": 99.0},
        }
    )
    expected = member_strength.member_scores({member_strength.MEMBER_FIELD: {mailbox_id: sums}}, now_ms)[0]
    card = _card(addon.call(MESSAGE, team["owner"], message_id=team["message"])[1])
    said = _texts(card)
    assert "Evaluating a pilot" in said
    assert "Send the pilot quote by Friday." in said
    assert f"Knows them best: {team['owner']} ({round(expected.score)} / 100, {expected.trend})" in said
    # Known this weakly, the card offers warm introductions, found only when asked (intros.py, as the web app).
    assert "Find a warm introduction" in said
    status, answer = addon.call(
        ACTION, team["owner"], message_id=team["message"], parameters={"action": "intros", "email": sender}
    )
    assert status == 200
    intros = _card(answer)
    assert intros["name"] == "intros"
    assert team["owner"] in _texts(intros)
    assert "knows them" in _texts(intros)
    kept_up = sums | {"sent": 20 * weight, "received": 20 * weight, "count": 40}
    firestore_db.document("workspaces", ws, "contacts", ids.contact_id(sender)).update(
        {member_strength.MEMBER_FIELD: {mailbox_id: kept_up}}
    )
    said = _texts(_card(addon.call(MESSAGE, team["owner"], message_id=team["message"])[1]))
    assert "Find a warm introduction" not in said

    # The reader's own summary from the contact page (decision 33) comes first, marked when older than the mail.
    firestore_db.document("workspaces", ws, "members", "u-owner", "contactSummaries", ids.contact_id(sender)).set(
        {
            "summary": "Dana is deciding on the pilot.",
            "nextSteps": [{"text": "Call Dana on Monday."}],
            "sourceLastMs": 1,
        }
    )
    firestore_db.document("workspaces", ws, "contacts", ids.contact_id(sender)).update({"lastInteractionMs": 2})
    said = _texts(_card(addon.call(MESSAGE, team["owner"], message_id=team["message"])[1]))
    assert "Dana is deciding on the pilot." in said
    assert "Call Dana on Monday." in said
    assert "Summary (before the newest mail)" in said

    status, answer = addon.call(
        ACTION,
        team["owner"],
        message_id=team["message"],
        parameters={"action": "ask", "email": sender},
        form={"question": "What did we promise Dana?"},
    )
    assert status == 200
    assert "Asked Rapport" in answer["renderActions"]["action"]["notification"]["text"]
    conversations = list(firestore_db.collection("workspaces", ws, "members", "u-owner", "conversations").stream())
    assert len(conversations) == 1
    asked = [m.to_dict() for m in conversations[0].reference.collection("messages").stream()]
    question = next(m for m in asked if m.get("role") == "user")
    assert "What did we promise Dana?" in question["text"]
    assert "Pilot pricing" in question["text"]
