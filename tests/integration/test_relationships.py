"""Relationship stats on the emulators: computed from stored interactions, refreshed by the contacts topic's
own subscription, and decayed daily by refresh-all-relationships."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from devstack import demo
from shared import clients, ids
from shared.calendar.meetings import Meetings
from shared.crm.relationships import DAY_MS, RelationshipStats, Strength, decayed_strength, epoch_ms
from shared.enrichment.touched import EnrichmentRequest
from shared.gmail.connect import connect_mailbox
from shared.resources import resources
from shared.workspaces import create_workspace
from tests.support import mail, wait_for

pytestmark = pytest.mark.integration
# Everyone who writes becomes a contact, and the first sync needs no approval: these tests follow the mail.
EVERY_CORRESPONDENT = {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def seed_contact(db, workspace_id: str, email: str, **fields: Any) -> str:
    contact_id = ids.contact_id(email)
    domain = email.rpartition("@")[2]
    document = {"email": email, "emails": [email], "companyId": domain, **fields}
    db.document("workspaces", workspace_id, "contacts", contact_id).set(document)
    db.document("workspaces", workspace_id, "companies", domain).set({"domain": domain}, merge=True)
    return contact_id


def seed_interaction(db, workspace_id: str, email: str, at: datetime, thread: str, *, inbound: bool) -> None:
    """An interaction in the shape ingestion stores: inbound mail the contact wrote, or outbound mail to them."""
    contact_id = ids.contact_id(email)
    person = {"contactId": contact_id, "email": email, "name": None, "sent": 0 if inbound else 1}
    person["received"] = 1 if inbound else 0
    db.collection("workspaces", workspace_id, "interactions").document(uuid.uuid4().hex).set(
        {
            "threadId": thread,
            "occurredAt": at,
            "direction": "inbound" if inbound else "outbound",
            "contactIds": [contact_id],
            "companyIds": [email.rpartition("@")[2]],
            "people": [person],
        }
    )


def contact(db, workspace_id: str, email: str) -> dict[str, Any]:
    return db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().to_dict() or {}


def company(db, workspace_id: str, domain: str) -> dict[str, Any]:
    return db.document("workspaces", workspace_id, "companies", domain).get().to_dict() or {}


def test_stats_come_from_the_contacts_interactions_and_roll_up_to_its_company(firestore_db, workspace_id):
    ann, bob = "ann@acme.io", "bob@acme.io"
    seed_contact(firestore_db, workspace_id, ann, lastInteractionMs=epoch_ms(NOW - timedelta(days=1)))
    seed_contact(firestore_db, workspace_id, bob)
    # Ann writes; we answer 2 h later; she answers us 6 h after that. Another thread: we answer in 4 h.
    start = NOW - timedelta(days=10)
    seed_interaction(firestore_db, workspace_id, ann, start, "t1", inbound=True)
    seed_interaction(firestore_db, workspace_id, ann, start + 2 * HOUR, "t1", inbound=False)
    seed_interaction(firestore_db, workspace_id, ann, start + 8 * HOUR, "t1", inbound=True)
    seed_interaction(firestore_db, workspace_id, ann, NOW - timedelta(days=1), "t2", inbound=True)
    seed_interaction(firestore_db, workspace_id, ann, NOW - timedelta(days=1) + 4 * HOUR, "t2", inbound=False)
    seed_interaction(firestore_db, workspace_id, bob, NOW - timedelta(days=90), "t3", inbound=True)

    report = RelationshipStats(db=firestore_db, now=lambda: NOW).refresh_contacts(
        workspace_id, contact_ids=[ids.contact_id(ann), ids.contact_id(bob), ids.contact_id("gone@acme.io")]
    )

    assert (report.contacts, report.skipped, report.companies) == (2, 1, 1)
    stored = contact(firestore_db, workspace_id, ann)
    assert stored["relationship"]["myReplyAvgMs"] == 3 * HOUR // timedelta(milliseconds=1)
    assert stored["relationship"]["myReplies"] == 2
    assert stored["relationship"]["theirReplyAvgMs"] == 6 * HOUR // timedelta(milliseconds=1)
    assert stored["relationship"]["interactionsPer30Days"] == pytest.approx(5 / 6, abs=0.01)
    assert stored["strength"]["asOfMs"] == epoch_ms(NOW)
    weaker = contact(firestore_db, workspace_id, bob)["strength"]
    assert 0 < weaker["score"] < stored["strength"]["score"]
    rollup = company(firestore_db, workspace_id, "acme.io")
    assert rollup["contactCount"] == 2
    assert rollup["strength"] == stored["strength"]  # the strongest relationship there


def test_contacts_named_on_the_contacts_topic_get_fresh_stats(stack, firestore_db, workspace_id):
    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    create_workspace(workspace_id, name="Team", owner_uid="u-owner", owner_email=owner)
    firestore_db.document("workspaces", workspace_id).set(EVERY_CORRESPONDENT, merge=True)
    ref = connect_mailbox(
        workspace_id=workspace_id, owner_uid="u-owner", refresh_token=demo.load_mailbox(stack.gmail_url, owner)
    )
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")
    demo.deliver(stack.gmail_url, owner, mail("Ann Lee <ann@acme.io>", owner, "Pilot"))
    demo.deliver(stack.gmail_url, owner, mail(owner, "Ann Lee <ann@acme.io>", "Re: Pilot"), "SENT")
    wait_for(lambda: contact(firestore_db, workspace_id, "ann@acme.io").get("interactionCount") == 2, what="mail")

    # What ingestion publishes after a batch; refresh-relationships has its own subscription to it.
    request = EnrichmentRequest(workspaceId=workspace_id, contactIds=[ids.contact_id("ann@acme.io")])
    topic = clients.topic_path(resources().topic("contacts_to_enrich"))
    clients.publisher().publish(topic, request.model_dump_json(by_alias=True).encode()).result(timeout=10)

    strength = wait_for(lambda: contact(firestore_db, workspace_id, "ann@acme.io").get("strength"), what="stats")
    assert strength["score"] > 0
    assert strength["halfLifeDays"] == 45
    assert wait_for(lambda: company(firestore_db, workspace_id, "acme.io").get("contactCount")) == 1


def test_the_daily_refresh_decays_silent_contacts_and_flags_broken_rhythms(stack, firestore_db, workspace_id):
    now = datetime.now(UTC)
    create_workspace(workspace_id, name="Team", owner_uid="u-owner", owner_email="owner@lumenway.io")
    # Weekly mail for two months, then six weeks of silence: going cold.
    weekly = "weekly@acme.io"
    seed_contact(firestore_db, workspace_id, weekly, lastInteractionMs=epoch_ms(now - timedelta(weeks=6)))
    for week in range(6, 15):
        seed_interaction(firestore_db, workspace_id, weekly, now - timedelta(weeks=week), f"w{week}", inbound=True)
    # Silent for a year, stats computed 30 days ago: only decay can change, read from the stored values.
    stored = Strength(score=50.0, raw=6.93, as_of_ms=epoch_ms(now) - 30 * DAY_MS, half_life_days=45, scale=10)
    old = "old@quiet.io"
    seed_contact(
        firestore_db,
        workspace_id,
        old,
        lastInteractionMs=epoch_ms(now - timedelta(days=365)),
        strength=stored.to_dict(),
        relationship={"coldAfterMs": epoch_ms(now - timedelta(days=200))},
        goingCold=False,
    )

    # A meeting stored while it was still to come, over since yesterday: the refresh counts it first.
    met = "met@globex.io"
    seed_contact(firestore_db, workspace_id, met, lastInteractionMs=epoch_ms(now - timedelta(days=30)))
    mailbox = ids.mailbox_id("owner@lumenway.io")
    firestore_db.document("workspaces", workspace_id, "mailboxes", mailbox).set({"email": "owner@lumenway.io"})
    event = {"id": "m1", "updated": (now - timedelta(days=3)).isoformat(), "attendees": [{"email": met}]}
    event |= {"start": {"dateTime": (now - timedelta(days=1)).isoformat()}, "organizer": {"email": met}}
    event["end"] = {"dateTime": (now - timedelta(days=1) + timedelta(hours=1)).isoformat()}
    Meetings(now=lambda: now - timedelta(days=2), request_stats=lambda *_: None).apply(workspace_id, mailbox, [event])
    assert "memberStrength" not in contact(firestore_db, workspace_id, met)  # still to come then

    request = urllib.request.Request(f"{stack.internal_url}/refresh-all-relationships", data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        summary = json.loads(response.read())

    assert summary["contacts"] >= 1
    assert summary["decayed"] >= 1
    assert summary["meetingsCounted"] >= 1
    counted = contact(firestore_db, workspace_id, met)
    assert counted["memberStrength"][mailbox]["count"] == 1
    assert counted["lastInteractionMs"] == epoch_ms(now - timedelta(days=1))
    assert counted["strength"]["raw"] > 0  # the team strength counts it too, refreshed after
    cold = contact(firestore_db, workspace_id, weekly)
    assert cold["goingCold"] is True
    assert cold["relationship"]["medianGapMs"] == 7 * DAY_MS
    quiet = contact(firestore_db, workspace_id, old)
    assert quiet["goingCold"] is True
    assert quiet["strength"]["raw"] < stored.raw
    assert quiet["strength"]["score"] == decayed_strength(stored, quiet["strength"]["asOfMs"]).score
    assert company(firestore_db, workspace_id, "quiet.io")["strength"]["score"] == quiet["strength"]["score"]


def test_a_backfill_asks_for_stats_once_when_its_mail_is_stored(stack, firestore_db, workspace_id, tmp_path):
    from devstack.demo_mailbox import generate

    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    create_workspace(workspace_id, name="Team", owner_uid="u-owner", owner_email=owner)
    firestore_db.document("workspaces", workspace_id).set(EVERY_CORRESPONDENT, merge=True)
    mbox = tmp_path / "mailbox.mbox"
    generate(owner=owner, messages=200, seed=4).write_mbox(mbox)
    ref = connect_mailbox(
        workspace_id=workspace_id, owner_uid="u-owner", refresh_token=demo.load_mailbox(stack.gmail_url, owner, mbox)
    )
    wait_for(lambda: demo.mailbox_progress(ref).done, timeout=120, what="the backfill")
    people = firestore_db.collection("workspaces", workspace_id, "contacts")
    count = people.count().get()[0][0].value
    assert count > 10
    # Every contact the backfill counted mail for gets its stats from the one follow-up.
    with_stats = people.where(filter=FieldFilter("strength.halfLifeDays", "==", 45))
    wait_for(lambda: with_stats.count().get()[0][0].value == count, timeout=60, what="every contact's stats")


def test_the_backfill_follow_up_waits_for_mail_still_on_its_way(firestore_db, workspace_id):
    from shared.crm.followup import BackfillFollowUp

    run = firestore_db.document("workspaces", workspace_id, "syncRuns", "run-1")
    run.set({"kind": "full", "startedAt": NOW, "fetched": 3})
    ann = seed_contact(firestore_db, workspace_id, "ann@acme.io", updatedAt=NOW + HOUR)
    seed_contact(firestore_db, workspace_id, "old@acme.io", updatedAt=NOW - HOUR)  # untouched by this run
    enqueued: list[tuple[str, dict[str, Any], float]] = []
    requested: list[tuple[str, list[str]]] = []
    follow_up = BackfillFollowUp(
        enqueue=lambda queue, task, delay_seconds=0.0: enqueued.append((queue, task, delay_seconds)) or "t",
        request=lambda ws, contact_ids: requested.append((ws, sorted(contact_ids))),
    )

    run.collection("progress").document("0").set({"stored": 2})
    assert follow_up.run(workspace_id, mailbox_id="mb_x", run_id="run-1").state == "waiting"
    ((queue, task, delay),) = enqueued
    assert (queue, task["action"], task["attempt"], delay > 0) == ("crm_maintenance", "finish_backfill", 1, True)
    assert requested == []

    run.collection("progress").document("1").set({"duplicates": 1})  # the last batch was a redelivery
    outcome = follow_up.run(workspace_id, mailbox_id="mb_x", run_id="run-1", attempt=1)
    assert (outcome.state, outcome.contacts) == ("requested", 1)
    assert requested == [(workspace_id, [ann])]
    assert follow_up.run(workspace_id, mailbox_id="mb_x", run_id="no-such-run").state == "gone"
