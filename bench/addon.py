"""`./rapport bench addon`: how fast the Gmail sidebar answers, and what a card costs in Firestore reads,
on a 10,000-contact workspace.

Runs its own local stack. Seeds `--contacts` contacts as ingestion keys them (with strength, deals, open
tasks and mail with the team for some), delivers `--messages` messages to the owner's Gmail at the local
Gmail server (most from known contacts, some from strangers, some to crowds), then opens each as Gmail
would: an event signed as Google signs it, with the add-on's own tokens for that message, POSTed to
addon-message through the local functions. The homepage is opened `--homepages` times.

- card_p50_ms, card_p95_ms: the POST's round trip, as Gmail would wait for it (the function reads the
  message from the local Gmail server and the CRM from the Firestore emulator).
- reads_per_card_max: the most documents one card read, as the function logs it (Firestore's billing unit).
- schema_valid: the share of cards that validate against GoogleAppsCardV1Card (chat.v1.json).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench._env import EMULATOR, answered_by, say, stand_in
from devstack import demo
from devstack.addon_client import AddonCaller
from devstack.card_schema import card_errors, cards_in
from devstack.stack import REPO_ROOT, LocalStack
from tests.support import mail

RUNTIME = REPO_ROOT / ".rapport" / "bench-addon"
ANSWERED_BY = answered_by(firestore=EMULATOR, gmail=stand_in(), google_identity=stand_in())
TARGET_P95_MS = 300
TARGET_READS = 10
WORKSPACE = "bench-addon"
OWNER = "alex.morgan@lumenway.io"
OWNER_UID = "u-bench-owner"


def _email(n: int) -> str:
    return f"person{n:05d}@company{n % 997:03d}.com"


def seed(contacts: int, rng: random.Random) -> None:
    """Contacts keyed as ingestion keys them; every tenth with a deal, an open task and mail with the team."""
    from google.cloud import firestore

    from shared import ids
    from shared.clients import firestore_client
    from shared.crm.relationships import COLD_SINCE_FIELD, RECENT_DAYS, RECENT_FIELD
    from shared.gmail.mailboxes import MailboxStore
    from shared.workspaces import create_workspace

    db = firestore_client()
    create_workspace(WORKSPACE, name="Addon bench", owner_uid=OWNER_UID, owner_email=OWNER)
    ref = MailboxStore().save_connection(
        workspace_id=WORKSPACE, owner_uid=OWNER_UID, email=OWNER, refresh_token=demo.load_mailbox(_gmail_url, OWNER)
    )
    workspace = db.document("workspaces", WORKSPACE)
    now = datetime.now(UTC)
    for start in range(0, contacts, 400):
        batch = db.batch()
        for n in range(start, min(start + 400, contacts)):
            email, contact_id = _email(n), ids.contact_id(_email(n))
            last = now - timedelta(days=rng.randint(0, 300))
            last_ms = int(last.timestamp() * 1000)
            # The sparse list fields as the relationship refresh keeps them (relationships.list_fields).
            listed = {RECENT_FIELD: last_ms} if last >= now - timedelta(days=RECENT_DAYS) else {}
            if n % 50 == 0:
                listed[COLD_SINCE_FIELD] = last_ms + 21 * 86_400_000
            batch.set(
                workspace.collection("contacts").document(contact_id),
                {
                    "email": email,
                    "emails": [email],
                    "name": f"Person {n:05d}",
                    "title": "Head of Operations" if n % 3 else None,
                    "companyName": f"Company {n % 997:03d}",
                    "companyId": f"company{n % 997:03d}.com",
                    "lastInteractionMs": last_ms,
                    "goingCold": n % 50 == 0,
                    "strength": {"score": rng.uniform(0, 100)},
                    "version": 1,
                }
                | listed,
            )
            if n % 10 == 0:
                batch.set(
                    workspace.collection("deals").document(f"deal-{n:05d}"),
                    {
                        "name": f"Deal {n:05d}",
                        "stage": "lead",
                        "value": 5000.0,
                        "currency": "USD",
                        "contactIds": [contact_id],
                        "updatedAt": now,
                        "version": 1,
                    },
                )
                batch.set(
                    workspace.collection("tasks").document(f"task-{n:05d}"),
                    {
                        "title": f"Follow up with {n:05d}",
                        "done": False,
                        "dueDate": "2026-12-20",
                        "parentKey": f"contact:{contact_id}",
                        "assigneeUid": OWNER_UID,
                        "createdAt": now,
                        "version": 1,
                    },
                )
                for k in range(3):
                    batch.set(
                        workspace.collection("interactions").document(f"mail-{n:05d}-{k}"),
                        {
                            "contactIds": [contact_id],
                            "staged": False,
                            "occurredAt": last - timedelta(days=k),
                            "direction": "inbound" if k % 2 else "outbound",
                            "mailboxId": ref.mailbox_id,
                        },
                    )
        batch.commit()
    del firestore


_gmail_url = ""


def deliver(gmail_url: str, contacts: int, messages: int, rng: random.Random) -> list[str]:
    delivered = []
    for i in range(messages):
        known = rng.random() < 0.8
        sender = _email(rng.randrange(contacts)) if known else f"stranger{i}@newco{i % 37}.io"
        crowd = ", ".join(_email(rng.randrange(contacts)) for _ in range(200)) if i % 25 == 0 else None
        raw = mail(f"Sender {i} <{sender}>", OWNER, f"Bench message {i}", cc=crowd)
        delivered.append(str(demo.deliver(gmail_url, OWNER, raw)["id"]))
    return delivered


def _timed(caller: AddonCaller, function: str, events: list[dict[str, Any]]) -> tuple[list[float], list[bool]]:
    times, valid = [], []
    for event in events:
        started = time.perf_counter()
        status, answer = caller.post(function, event)
        times.append((time.perf_counter() - started) * 1000)
        found = cards_in(answer)
        valid.append(status == 200 and len(found) == 1 and not card_errors(found[0]))
    return times, valid


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def run(argv: list[str]) -> dict[str, Any]:
    global _gmail_url
    parser = argparse.ArgumentParser(prog="rapport bench addon")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--homepages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    with LocalStack(RUNTIME) as stack:
        _gmail_url = stack.gmail_url
        say("addon", f"seeding {args.contacts} contacts ...")
        seed(args.contacts, rng)
        say("addon", f"delivering {args.messages} messages ...")
        message_ids = deliver(stack.gmail_url, args.contacts, args.messages, rng)
        caller = AddonCaller(stack.functions_url, stack.gmail_url, stack.identity)
        log_file = stack.runtime_dir / "logs" / "functions.log"
        start = log_file.stat().st_size
        # Gmail hands the add-on its tokens with the event: they are made before the clock starts.
        events = [caller.event("addon-message", OWNER, message_id=m) for m in message_ids]
        caller.post("addon-message", events[0])  # the first call of a fresh process imports and connects
        say("addon", f"opening {len(events)} messages and the homepage {args.homepages} times ...")
        card_ms, card_valid = _timed(caller, "addon-message", events)
        home_ms, home_valid = _timed(caller, "addon-homepage", [caller.event("addon-homepage", OWNER)] * args.homepages)
        time.sleep(1.0)  # the functions' log is written by another process
        with log_file.open() as log:
            log.seek(start)
            logged = [json.loads(line) for line in log if '"add-on card"' in line]

    reads = [int(entry["reads"]) for entry in logged]
    valid = card_valid + home_valid
    return {
        "contacts": args.contacts,
        "cards": len(valid),
        "card_p50_ms": round(statistics.median(card_ms), 1),
        "card_p95_ms": _percentile(card_ms, 0.95),
        "homepage_p50_ms": round(statistics.median(home_ms), 1),
        "homepage_p95_ms": _percentile(home_ms, 0.95),
        "reads_per_card_max": max(reads),
        "reads_per_card_median": statistics.median(reads),
        "target_p95_ms": TARGET_P95_MS,
        "target_reads": TARGET_READS,
        "schema_valid": round(sum(valid) / len(valid), 4),
        "run": uuid.uuid4().hex[:8],
    }
