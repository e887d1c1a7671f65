"""Delivery at least once, in any order, with crashes: the CRM must come out as if each thing happened once."""

from __future__ import annotations

import json
import random
import urllib.request
import uuid
from collections import Counter

import pytest

from devstack import demo
from devstack.demo_mailbox import generate
from shared import clients, ids
from shared.resources import resources
from tests.support import mail, open_workspace, wait_for

pytestmark = pytest.mark.integration


def _owner() -> str:
    return f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"


def _connect(stack, workspace_id: str, owner: str, mbox=None):
    open_workspace(workspace_id, name="Reliability", owner_uid="u-owner", owner_email=owner)
    return demo.connect_demo(stack.gmail_url, owner, mbox, workspace_id=workspace_id)


def _crm_state(db, workspace_id: str) -> dict[str, object]:
    """Everything counted, as a comparable value."""
    workspace = db.collection("workspaces").document(workspace_id)
    fields = ("sentCount", "receivedCount", "interactionCount", "firstInteractionMs", "lastInteractionMs")
    return {
        "contacts": {d.id: tuple(d.get(f) for f in fields) for d in workspace.collection("contacts").stream()},
        "companies": {d.id: d.get("interactionCount") for d in workspace.collection("companies").stream()},
        "interactions": sorted(d.id for d in workspace.collection("interactions").stream()),
    }


def _counts_match_interactions(db, workspace_id: str) -> None:
    """Every contact's counters equal what its interactions add up to: nothing counted twice or lost."""
    workspace = db.collection("workspaces").document(workspace_id)
    sums: Counter[tuple[str, str]] = Counter()
    for interaction in workspace.collection("interactions").stream():
        for person in interaction.get("people") or []:
            sums[(person["contactId"], "sent")] += person["sent"]
            sums[(person["contactId"], "received")] += person["received"]
            sums[(person["contactId"], "interactions")] += 1
    contacts = list(workspace.collection("contacts").stream())
    assert contacts
    for contact in contacts:
        assert contact.get("sentCount") == sums[(contact.id, "sent")], contact.id
        assert contact.get("receivedCount") == sums[(contact.id, "received")], contact.id
        assert contact.get("interactionCount") == sums[(contact.id, "interactions")], contact.id


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(response.status)


def _publish_notification(owner: str, history_id: int) -> object:
    topic = clients.topic_path(resources().topic("gmail_notifications"))
    data = json.dumps({"emailAddress": owner, "historyId": history_id}).encode()
    return clients.publisher().publish(topic, data)


def test_every_task_delivered_three_more_times_changes_nothing(stack, firestore_db, workspace_id, tmp_path):
    owner = _owner()
    mbox = tmp_path / "mailbox.mbox"
    generate(owner=owner, messages=160, seed=5).write_mbox(mbox)
    ref = _connect(stack, workspace_id, owner, mbox)
    wait_for(lambda: demo.mailbox_progress(ref).done, timeout=120, what="the backfill")
    once = _crm_state(firestore_db, workspace_id)

    runs = firestore_db.collection("workspaces", workspace_id, "syncRuns").stream()
    full = next(r for r in runs if r.get("kind") == "full")
    interactions = firestore_db.collection("workspaces", workspace_id, "interactions").stream()
    message_ids = [i.get("gmailMessageId") for i in interactions]
    fetch = {
        "workspaceId": workspace_id,
        "mailboxId": ref.mailbox_id,
        "syncRunId": full.id,
        "ownerEmail": owner,
        "chunk": 0,
        "messageIds": message_ids,
    }
    sync = {"workspaceId": workspace_id, "mailboxId": ref.mailbox_id}
    for _ in range(3):
        assert _post(f"{stack.internal_url}/fetch-messages", fetch) == 200
        assert _post(f"{stack.internal_url}/sync-mailbox", sync) == 200
    # Redelivered fetched mail comes back as duplicates; wait until all of it has been seen again.
    wait_for(lambda: demo.mailbox_progress(ref).duplicates >= 3 * len(message_ids), what="the redeliveries")
    assert _crm_state(firestore_db, workspace_id) == once
    _counts_match_interactions(firestore_db, workspace_id)


def test_notifications_out_of_order_and_stale_lose_and_double_nothing(stack, firestore_db, workspace_id):
    owner = _owner()
    ref = _connect(stack, workspace_id, owner)
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")
    delivered = [
        demo.deliver(stack.gmail_url, owner, mail(f"P{n} <p{n}@globex.de>", owner, f"Note {n}")) for n in range(5)
    ]
    history_ids = [int(d["historyId"]) for d in delivered]
    futures = [_publish_notification(owner, h) for h in [*reversed(history_ids), 1, history_ids[0] - 1]]
    for future in futures:
        future.result(timeout=10)
    contacts = firestore_db.collection("workspaces", workspace_id, "contacts")
    wait_for(lambda: contacts.count().get()[0][0].value == 5, what="all five senders")
    wait_for(lambda: demo.mailbox_progress(ref).done, what="sync to settle")
    assert firestore_db.collection("workspaces", workspace_id, "interactions").count().get()[0][0].value == 5
    _counts_match_interactions(firestore_db, workspace_id)


def test_a_worker_killed_mid_backfill_stores_every_message_exactly_once(stack, firestore_db, workspace_id, tmp_path):
    owner = _owner()
    mbox = tmp_path / "mailbox.mbox"
    generated = generate(owner=owner, messages=1600, seed=9)
    generated.write_mbox(mbox)
    ref = _connect(stack, workspace_id, owner, mbox)
    wait_for(lambda: demo.mailbox_progress(ref).stored > 100, timeout=120, what="the backfill to be under way")
    stack.crash_functions()  # SIGKILL mid-flight: tasks and pushes in progress get no answer
    listed = wait_for(lambda: _listed_once_idle(ref), timeout=240, what="the backfill")

    # Redeliveries arrive with backoff after the crash; in the end every listed message is stored once.
    interactions = firestore_db.collection("workspaces", workspace_id, "interactions")
    wait_for(lambda: interactions.count().get()[0][0].value == listed, timeout=240, what="every message stored")
    assert demo.mailbox_progress(ref).stored == listed
    _counts_match_interactions(firestore_db, workspace_id)


def test_a_thousand_notifications_at_once_are_all_processed(stack, firestore_db, workspace_id):
    owners = [_owner() for _ in range(10)]
    open_workspace(workspace_id, name="Load", owner_uid="u-owner", owner_email=owners[0])
    refs = [demo.connect_demo(stack.gmail_url, owner, None, workspace_id=workspace_id) for owner in owners]
    for ref in refs:
        wait_for(lambda ref=ref: demo.mailbox_progress(ref).done, what="first syncs")
    latest: dict[str, int] = {}
    for owner in owners:
        for n in range(3):
            answer = demo.deliver(stack.gmail_url, owner, mail(f"X <x{n}.{owner.split('@')[0]}@acme.com>", owner))
            latest[owner] = int(answer["historyId"])
    # 100 notifications a mailbox: duplicates, stale ones and the real latest, all at once, in random order.
    rng = random.Random(7)
    burst = [(owner, rng.randint(1, latest[owner])) for owner in owners for _ in range(99)]
    burst += [(owner, latest[owner]) for owner in owners]
    rng.shuffle(burst)
    futures = [_publish_notification(owner, history_id) for owner, history_id in burst]
    assert len(futures) == 1000
    for future in futures:
        future.result(timeout=30)

    interactions = firestore_db.collection("workspaces", workspace_id, "interactions")
    wait_for(lambda: interactions.count().get()[0][0].value == 30, timeout=120, what="all 30 messages")
    for ref in refs:
        wait_for(lambda ref=ref: demo.mailbox_progress(ref).done, what="every mailbox to settle")
    _counts_match_interactions(firestore_db, workspace_id)
    for owner in owners:
        mailbox = firestore_db.document("workspaces", workspace_id, "mailboxes", ids.mailbox_id(owner)).get()
        assert int(mailbox.get("historyId")) >= latest[owner]
    # Nothing was given up on: the dead-letter topic's holding subscription stays empty.
    from google.cloud.pubsub_v1 import SubscriberClient

    hold = resources().pull_subscriptions["dead_letter_hold"].name
    subscriber = SubscriberClient()
    pulled = subscriber.pull(
        subscription=subscriber.subscription_path(stack.env["RAPPORT_PROJECT_ID"], hold),
        max_messages=10,
        timeout=5,
    )
    assert list(pulled.received_messages) == []


def _listed_once_idle(ref) -> int:
    progress = demo.mailbox_progress(ref)
    return progress.listed if progress.stage == "idle" else 0


def test_workers_share_one_quota_schedule_per_mailbox(stack, firestore_db, workspace_id):
    import threading

    from shared.gmail.mailboxes import MailboxRef
    from shared.gmail.quota import QuotaSchedule

    ref = MailboxRef(workspace_id, "mb_quota")
    clock_start = 1_000_000.0
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(round(seconds))

    def worker() -> None:
        # Separate schedules, as separate processes would have: only Firestore is shared.
        QuotaSchedule(ref, 250, clock=lambda: clock_start, sleep=sleep).spend(250)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Two went at once (the schedule holds a second of units), the others queued a second apart.
    assert sorted(waits) == [1, 2]


def _grant_again(stack, owner: str) -> str:
    """The user consents once more: a new refresh token, as the OAuth callback would redeem it."""
    import urllib.parse

    code = demo.dev_call(stack.gmail_url, f"mailboxes/{owner}/authorization-code", {})["code"]
    form = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": stack.env["RAPPORT_OAUTH_CLIENT_ID"],
            "client_secret": stack.env["RAPPORT_OAUTH_CLIENT_SECRET"],
        }
    ).encode()
    with urllib.request.urlopen(f"{stack.gmail_url}/token", data=form, timeout=10) as response:
        return str(json.loads(response.read())["refresh_token"])


def test_a_grant_revoked_mid_backfill_stops_quietly_and_reconnecting_loses_nothing(
    stack, firestore_db, workspace_id, tmp_path
):
    from shared.gmail.connect import connect_mailbox
    from shared.gmail.mailboxes import MailboxStore

    owner = _owner()
    mbox = tmp_path / "mailbox.mbox"
    generate(owner=owner, messages=1600, seed=12).write_mbox(mbox)
    ref = _connect(stack, workspace_id, owner, mbox)
    wait_for(lambda: demo.mailbox_progress(ref).stored > 50, timeout=120, what="the backfill to be under way")
    demo.dev_call(stack.gmail_url, f"mailboxes/{owner}/revoke", {})

    store = MailboxStore()
    mailbox = wait_for(lambda: (m := store.get(ref)).get("status") == "disconnected" and m, what="the disconnect")
    assert "connect Gmail again" in mailbox["sync"]["lastError"]
    assert "historyId" not in mailbox  # the unfetched rest is older than any cursor: reconnecting lists again
    runs = {r.id: r.to_dict() for r in firestore_db.collection("workspaces", workspace_id, "syncRuns").stream()}
    assert [run["state"] for run in runs.values() if run["kind"] == "full"] == ["interrupted"]
    # Every chunk task still queued is answered 200 without calling Gmail: no retry storm.
    full_id = next(run_id for run_id, run in runs.items() if run["kind"] == "full")
    chunk = {"workspaceId": workspace_id, "mailboxId": ref.mailbox_id, "syncRunId": full_id}
    chunk |= {"ownerEmail": owner, "chunk": 99, "messageIds": ["m-not-fetched"]}
    assert _post(f"{stack.internal_url}/fetch-messages", chunk) == 200
    stored_while_disconnected = demo.mailbox_progress(ref).stored

    connect_mailbox(workspace_id=workspace_id, owner_uid="u-owner", refresh_token=_grant_again(stack, owner))

    def resync_listed() -> int:
        for run in firestore_db.collection("workspaces", workspace_id, "syncRuns").stream():
            if run.id != full_id and run.get("kind") == "full" and run.get("state") == "done":
                return int(run.get("listed"))
        return 0

    listed = wait_for(resync_listed, timeout=240, what="a full resync after reconnecting")
    interactions = firestore_db.collection("workspaces", workspace_id, "interactions")
    wait_for(lambda: interactions.count().get()[0][0].value == listed, timeout=240, what="every message stored")
    assert stored_while_disconnected < listed
    _counts_match_interactions(firestore_db, workspace_id)


def test_tasks_for_a_deleted_mailbox_are_acknowledged_not_retried(stack, firestore_db, workspace_id):
    ref_body = {"workspaceId": workspace_id, "mailboxId": "mb_deleted"}
    fetch = {**ref_body, "syncRunId": "run-1", "ownerEmail": "gone@lumenway.io", "chunk": 0, "messageIds": ["m1"]}
    assert _post(f"{stack.internal_url}/sync-mailbox", ref_body) == 200
    assert _post(f"{stack.internal_url}/fetch-messages", fetch) == 200
    assert not firestore_db.document("workspaces", workspace_id, "mailboxes", "mb_deleted").get().exists
