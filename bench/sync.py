"""`./rapport bench sync`: Gmail backfill throughput, Firestore writes per message, quota use, push latency.

Runs on its own local stacks (emulators, local Gmail, the functions), so it measures the real pipeline:
Pub/Sub push → Cloud Tasks → Gmail batches → Pub/Sub → ingestion → Firestore.

Figures (last stdout line, JSON):
- messages_per_s: backfill of ~10,000 stored messages into Firestore with quota and pacing off.
- baseline_messages_per_s: the same machine, a naive sync (one messages.get and one commit per message).
- writes_per_message: Firestore writes of ingestion per stored message (from its own accounting).
- stats_seconds: from the backfill stored until every contact has its relationship stats.
- quota_fraction: with the local Gmail server enforcing 250 units/s per user and Rapport pacing itself,
  achieved units/s over 250; quota_rejected counts 429s.
- push_p50_ms / push_p95_ms: mail delivered → its interaction seen by a Firestore listener.
- lost / duplicated: messages missing, and counts beyond what the stored interactions add up to.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from bench._env import EMULATOR, answered_by, say, stand_in
from devstack import demo
from devstack.demo_mailbox import generate
from devstack.stack import REPO_ROOT, LocalStack

RUNTIME = REPO_ROOT / ".rapport" / "bench-sync"
QUOTA_UNITS_PER_SECOND = 250.0


# Who answers this bench's calls: reported with its figures (see devstack/commands/bench.py).
ANSWERED_BY = answered_by(
    gmail=stand_in("devstack/gmail_server"), firestore=EMULATOR, pubsub=EMULATOR, cloud_tasks=EMULATOR
)


def _workspace(workspace_id: str, owner: str) -> None:
    from shared.clients import firestore_client
    from shared.workspaces import create_workspace

    create_workspace(workspace_id, name="Bench", owner_uid="bench-owner", owner_email=owner)
    # Benchmarks measure the pipeline, not the first-sync preview a person would approve.
    firestore_client().document("workspaces", workspace_id).set(
        {"settings": {"requirePreview": False, "contactCreation": "sent_and_received"}}, merge=True
    )


def _mailbox_file(path: Path, owner: str, messages: int, seed: int) -> Path:
    generate(owner=owner, messages=messages, seed=seed, anchor=datetime.now(UTC).date()).write_mbox(path)
    return path


def _backfill(stack: LocalStack, workspace_id: str, owner: str, mbox: Path, timeout: float) -> tuple[Any, float]:
    _workspace(workspace_id, owner)
    started = time.monotonic()
    ref = demo.connect_demo(stack.gmail_url, owner, mbox, workspace_id=workspace_id)
    demo.wait_until_ingested(ref, timeout=timeout, crashed=stack.crashed_part)
    return ref, time.monotonic() - started


def _ingest_writes(stack: LocalStack) -> tuple[int, int]:
    """(writes, stored) summed from ingestion's own log lines."""
    writes = stored = 0
    for line in (stack.supervisor.log_dir / "functions.log").read_text(errors="replace").splitlines():
        if '"message": "ingested"' in line:
            entry = json.loads(line)
            writes += int(entry.get("writes", 0))
            stored += int(entry.get("stored", 0))
    return writes, stored


def _stats_complete(workspace_id: str, timeout: float = 600) -> float:
    """Seconds until every contact has relationship stats: the backfill's follow-up (shared/crm/followup.py)
    and the refreshes it asked for are done, and the pipeline is back at rest for the push measurement."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.clients import firestore_client

    contacts = firestore_client().collection("workspaces", workspace_id, "contacts")
    with_stats = contacts.where(filter=FieldFilter("strength.halfLifeDays", ">", 0))
    started = time.monotonic()
    while with_stats.count().get()[0][0].value < contacts.count().get()[0][0].value:
        if time.monotonic() - started > timeout:
            raise RuntimeError("relationship stats were not complete in time")
        time.sleep(0.5)
    return time.monotonic() - started


def _expected_ids(ref: Any) -> set[str]:
    """What Gmail holds that sync must store: every message its backfill query lists (pushes included)."""
    from shared.gmail.api import GmailMailbox
    from shared.gmail.mailboxes import MailboxStore
    from shared.gmail.sync import SyncService

    gmail = GmailMailbox.for_refresh_token(MailboxStore().refresh_token(ref))
    return {message_id for page in gmail.message_id_pages(SyncService().backfill_query()) for message_id in page}


def _integrity(workspace_id: str, expected_ids: set[str]) -> tuple[int, int]:
    """(lost, duplicated): expected messages with no interaction; counts above what interactions sum to."""
    from shared.clients import firestore_client

    workspace = firestore_client().collection("workspaces").document(workspace_id)
    stored_ids = {
        d.get("gmailMessageId") for d in workspace.collection("interactions").select(["gmailMessageId"]).stream()
    }
    sums: Counter[str] = Counter()
    for interaction in workspace.collection("interactions").select(["people"]).stream():
        for person in interaction.get("people") or []:
            if person.get("counted", True):
                sums[person["contactId"]] += 1
    over = sum(
        max(0, int(c.get("interactionCount") or 0) - sums[c.id])
        for c in workspace.collection("contacts").select(["interactionCount"]).stream()
    )
    missing = expected_ids - stored_ids
    if missing:
        say("sync", f"{len(missing)} messages Gmail lists have no interaction, e.g. {sorted(missing)[:5]}")
    return len(missing), over + len(stored_ids - expected_ids)


def _push_latencies(stack: LocalStack, workspace_id: str, owner: str, count: int) -> list[float]:
    """Delivers `count` messages one after another; each one's latency until a listener sees its interaction."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared import ids
    from shared.clients import firestore_client

    seen: dict[str, float] = {}
    arrived = threading.Condition()
    mailbox_id = ids.mailbox_id(owner)

    def on_snapshot(_docs: Any, changes: Any, _read_time: Any) -> None:
        now = time.monotonic()
        with arrived:
            for change in changes:
                seen.setdefault(change.document.id, now)
            arrived.notify_all()

    # Like a timeline view, the listener watches recent mail only: a listener's cost grows with
    # everything it matches, and the 10,000 backfilled messages are not what this measures.
    since = datetime.now(UTC)
    query = (
        firestore_client()
        .collection("workspaces", workspace_id, "interactions")
        .where(filter=FieldFilter("occurredAt", ">=", since))
    )
    watch = query.on_snapshot(on_snapshot)
    latencies = []
    try:
        time.sleep(1.0)  # the listener's initial snapshot
        for n in range(count):
            sent = time.monotonic()
            answer = demo.deliver(stack.gmail_url, owner, _push_mail(n, owner))
            doc_id = ids.interaction_id(mailbox=mailbox_id, gmail_message_id=answer["id"])
            with arrived:
                if not arrived.wait_for(functools.partial(seen.__contains__, doc_id), timeout=30):
                    raise RuntimeError(f"message {n} never reached the listener")
            latencies.append((seen[doc_id] - sent) * 1000)
            time.sleep(0.2)
    finally:
        watch.unsubscribe()
    return latencies


def _push_mail(n: int, owner: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Push Test {n} <push{n}@latency-bench.org>"
    message["To"] = owner
    message["Subject"] = f"ping {n}"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="bench.local")
    message.set_content("Are you there?")
    return message.as_bytes()


def _baseline(stack: LocalStack, owner: str, mbox: Path, limit: int) -> float:
    """A naive sync: one messages.get per message, one Firestore commit per message."""
    from shared.crm.ingest import Ingestor
    from shared.gmail.api import GmailMailbox
    from shared.gmail.mailboxes import MailboxStore

    workspace_id = "bench-baseline"
    _workspace(workspace_id, owner)
    mailbox = MailboxStore().ensure_imported_mailbox(workspace_id=workspace_id, owner_uid="bench-owner", email=owner)
    token = demo.load_mailbox(stack.gmail_url, owner, mbox)
    gmail = GmailMailbox.for_refresh_token(token)
    message_ids = [mid for page in gmail.message_id_pages("") for mid in page][:limit]
    ingestor = Ingestor()
    started = time.monotonic()
    for message_id in message_ids:
        [fetched] = gmail.fetch_raw([message_id])
        ingestor.ingest(
            workspace_id=workspace_id,
            mailbox_id=mailbox.mailbox_id,
            owner_email=owner,
            sync_run_id="baseline",
            messages=[fetched],
        )
    return len(message_ids) / (time.monotonic() - started)


def _gmail_dev(stack: LocalStack, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{stack.gmail_url}/_dev/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="rapport bench sync")
    parser.add_argument("--messages", type=int, default=12_000, help="generated mailbox size (≈85%% are synced)")
    parser.add_argument("--quota-messages", type=int, default=2_400)
    parser.add_argument("--pushes", type=int, default=60)
    parser.add_argument("--baseline-messages", type=int, default=600)
    args = parser.parse_args(argv)
    RUNTIME.mkdir(parents=True, exist_ok=True)
    owner, quota_owner = "bench.owner@lumenway.io", "quota.owner@lumenway.io"
    say("sync", f"generating {args.messages} messages ...")
    mbox = _mailbox_file(RUNTIME / "backfill.mbox", owner, args.messages, seed=101)
    quota_mbox = _mailbox_file(RUNTIME / "quota.mbox", quota_owner, args.quota_messages, seed=202)
    result: dict[str, Any] = {}

    with LocalStack(RUNTIME / "unpaced") as stack:
        say("sync", "backfill with quota off ...")
        ref, seconds = _backfill(stack, "bench", owner, mbox, timeout=1800)
        stored = demo.mailbox_progress(ref).stored
        result["messages"] = stored
        result["messages_per_s"] = round(stored / seconds, 1)
        writes, counted = _ingest_writes(stack)
        result["writes_per_message"] = round(writes / counted, 3) if counted else None
        say("sync", f"{stored} messages in {seconds:.1f} s; waiting for the backfill's relationship stats ...")
        result["stats_seconds"] = round(_stats_complete("bench"), 1)
        say("sync", f"push latency over {args.pushes} deliveries ...")
        latencies = _push_latencies(stack, "bench", owner, args.pushes)
        result["push_p50_ms"] = round(statistics.median(latencies), 1)
        result["push_p95_ms"] = round(statistics.quantiles(latencies, n=20)[18], 1)
        demo.wait_until_ingested(ref, timeout=120)
        # Every message Gmail lists for the backfill window, pushes included, must be stored once.
        result["lost"], result["duplicated"] = _integrity("bench", _expected_ids(ref))
        say("sync", "baseline: naive per-message sync ...")
        result["baseline_messages_per_s"] = round(
            _baseline(stack, "baseline.owner@lumenway.io", mbox, args.baseline_messages), 1
        )

    paced = LocalStack(RUNTIME / "paced")
    paced.env["RAPPORT_GMAIL_UNITS_PER_SECOND"] = str(QUOTA_UNITS_PER_SECOND * 0.95)
    with paced as stack:
        say("sync", "backfill with Gmail's per-user quota enforced ...")
        _gmail_dev(stack, "POST", "quota", {"enabled": True, "unitsPerSecond": QUOTA_UNITS_PER_SECOND})
        demo.load_mailbox(stack.gmail_url, quota_owner, quota_mbox)
        _gmail_dev(stack, "DELETE", f"mailboxes/{quota_owner}/usage")
        _backfill(stack, "quota", quota_owner, quota_mbox, timeout=1800)
        usage = _gmail_dev(stack, "GET", f"mailboxes/{quota_owner}/usage")
        span = float(usage["last_call_at"]) - float(usage["first_call_at"])
        result["quota_fraction"] = round(usage["units"] / span / QUOTA_UNITS_PER_SECOND, 3) if span > 0 else None
        result["quota_rejected"] = usage["rejected"]
    result["speedup_vs_baseline"] = round(result["messages_per_s"] / result["baseline_messages_per_s"], 1)
    return result
