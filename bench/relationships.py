"""`./rapport bench relationships`: per-member strength and warm introduction paths at a team's scale.

On the Firestore emulator:

- A workspace of `--members` teammates (10), `--contacts` contacts (10,000, ten to a company) and the
  per-member sums and co-occurrence edges that `--interactions` (1,000,000) messages leave on them.
  The messages are generated in memory and folded with the pipeline's own tallies
  (shared/crm/member_strength.py's MemberTally, EdgeTally and update_fields, as ingestion does); only
  the contact and company documents they produce are written. Writing a million interaction
  documents to the emulator would take this two-core machine most of an hour and no intro query
  reads them, so they are not written: `interactions_written` says so.
- extra_writes_per_message: the same generated mail (with a few people on each message) ingested
  by the real Ingestor into two fresh workspaces, once as it is and once with the per-member tallies
  switched off; the difference in committed document writes, per message.
- intro_p95_ms / reads_per_intro_query: `--queries` intro-path queries (three in four to a person,
  the rest to a company) through shared/crm/intros.py, timed one after another; reads are the
  documents each query read, as the service counts them. The contacts and companies carry the
  copies of the people around them that the stats refresh keeps (shared/crm/intro_via.py), made by
  its own functions. Beside each query, in the same run and under the same load, the same query
  reading those people live (`live_intro_*`, as before the copies) and one point read of the target
  (`point_read_*`, the emulator's round trip): the ratios to them say what the load cannot.

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from unittest import mock

from bench._env import EMULATOR, answered_by, bench_env, say
from devstack import emulators
from devstack.processes import ProcessSupervisor, free_port
from devstack.stack import REPO_ROOT, use_stack_env

ANSWERED_BY = answered_by(firestore=EMULATOR)
DAY_MS = 86_400_000
PEOPLE_PER_COMPANY = 10
BOOK = 1000  # contacts each teammate writes with, the first far more often than the last
MULTI_PERSON = 0.3  # share of messages with more than one person on them
WRITE_BATCH = 50  # the copies of the people around a contact reach ~30 KB: a commit stays under 4 MB


def _domain(contact: int) -> str:
    return f"co{contact // PEOPLE_PER_COMPANY}.example"


def _circle(contact: int, contacts: int) -> list[int]:
    """Whom a person is on mail with besides the team: their colleagues and two partner companies' people."""
    company = contact // PEOPLE_PER_COMPANY
    companies = contacts // PEOPLE_PER_COMPANY
    partners = [(company * 7 + 3) % companies, (company * 13 + 5) % companies]
    people = [c for c in range(company * PEOPLE_PER_COMPANY, (company + 1) * PEOPLE_PER_COMPANY) if c != contact]
    return people + [p * PEOPLE_PER_COMPANY + contact % PEOPLE_PER_COMPANY for p in partners]


def generate(members: int, contacts: int, interactions: int, now_ms: int, seed: int = 7) -> dict[int, Any]:
    """Folds `interactions` generated messages into each contact's per-member and co-occurrence tallies."""
    from shared.crm.member_strength import ContactTallies, EdgeTally, MemberTally

    rng = random.Random(seed)
    books = [rng.sample(range(contacts), min(BOOK, contacts)) for _ in range(members)]
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(min(BOOK, contacts))))
    tallies: dict[int, ContactTallies] = defaultdict(ContactTallies)
    for number in range(interactions):
        member = rng.randrange(members)
        mailbox = f"mb_bench{member}"
        primary = rng.choices(books[member], cum_weights=weights)[0]
        people = [primary]
        if rng.random() < MULTI_PERSON:
            people += rng.sample(_circle(primary, contacts), rng.randint(1, 3))
        at_ms = now_ms - int(min(rng.expovariate(1 / 120), 730) * DAY_MS)
        outbound = rng.random() < 0.5
        depth = rng.choice((0, 0, 1, 2, 3, 5))
        interaction_id = f"{mailbox}_g{number}"
        for person in people:
            received = int(not outbound and person == primary)
            tallies[person].members.setdefault(mailbox, MemberTally()).add(
                at_ms=at_ms, sent=int(outbound), received=received, depth=depth, interaction_id=interaction_id
            )
            for other in people:
                if other != person:
                    tallies[person].edges.setdefault(f"c_bench{other}", EdgeTally()).add(
                        at_ms=at_ms, interaction_id=interaction_id
                    )
    return tallies


def write_workspace(workspace_id: str, members: int, contacts: int, tallies: dict[int, Any], now_ms: int) -> int:
    """The workspace, its mailboxes, companies and contacts as ingestion and the stats refresh leave them."""
    from shared.clients import firestore_client
    from shared.crm import intro_via, member_strength
    from shared.crm.relationships import company_member_scores

    db = firestore_client()
    workspace = db.collection("workspaces").document(workspace_id)
    workspace.set({"name": "Bench", "ownerUid": "u-bench0"})
    documents: list[tuple[Any, dict[str, Any]]] = []
    for member in range(members):
        mailbox = {"ownerUid": f"u-bench{member}", "email": f"member{member}@team.example", "status": "connected"}
        documents.append((workspace.collection("mailboxes").document(f"mb_bench{member}"), mailbox))
    people: dict[str, dict[str, Any]] = {}
    for contact in range(contacts):
        fields = (
            member_strength.update_fields(tallies[contact], {}, lambda v: v, lambda v: v) if contact in tallies else {}
        )
        document: dict[str, Any] = {
            "email": f"person{contact}@{_domain(contact)}",
            "name": f"Person {contact}",
            "companyId": _domain(contact),
            **fields,
        }
        scores = member_strength.member_scores(document, now_ms)
        document["strength"] = {"score": max((s.score for s in scores), default=0.0)}
        document |= member_strength.score_fields(document, now_ms)
        people[f"c_bench{contact}"] = document
    by_company: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for contact_id, document in people.items():
        by_company[document["companyId"]][contact_id] = document
    # The people around each contact and company, copied as the stats refresh copies them.
    for contact_id, document in people.items():
        colleagues = intro_via.strongest_people(by_company[document["companyId"]], exclude={contact_id})
        reached = [(choice, people[choice[2]]) for choice in intro_via.strongest_edges({contact_id: document}, now_ms)]
        copy = intro_via.contact_copy(document, colleagues, reached, now_ms)
        reference = workspace.collection("contacts").document(contact_id)
        documents += [(reference, document), (intro_via.reference(reference), copy)]
    for domain, at_company in by_company.items():
        company = {"domain": domain, "name": domain, "contactCount": len(at_company)}
        company[member_strength.SCORES_FIELD] = company_member_scores(at_company.values(), now_ms)
        strongest = intro_via.strongest_people(at_company)
        edges = intro_via.strongest_edges(strongest, now_ms)
        copy = intro_via.company_copy(strongest, [(choice, people[choice[2]]) for choice in edges], now_ms)
        reference = workspace.collection("companies").document(domain)
        documents += [(reference, company), (intro_via.reference(reference), copy)]
    for start in range(0, len(documents), WRITE_BATCH):
        batch = db.batch()
        for reference, document in documents[start : start + WRITE_BATCH]:
            batch.set(reference, document)
        batch.commit()
    return len(documents)


def _mail(sender: str, to: list[str], subject: str, *, references: int) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="bench.local")
    if references:
        message["References"] = " ".join(f"<r{n}@bench.local>" for n in range(references))
    message.set_content("Hi,\n\nFollowing up on our call.\n\nBest,\nSam")
    return message.as_bytes()


def ingest_writes(workspace_id: str, messages: int, *, member_stats: bool, seed: int = 11) -> int:
    """Document writes the real Ingestor commits for the same generated mail."""
    from shared.clients import firestore_client
    from shared.crm import ingest
    from shared.gmail.mailboxes import MailboxStore
    from shared.pipeline.fetched import FetchedMessage
    from shared.workspaces import create_workspace

    owner = "member0@team.example"
    create_workspace(workspace_id, name="Bench", owner_uid="u-bench0", owner_email=owner)
    firestore_client().document("workspaces", workspace_id).set(
        {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}, merge=True
    )
    mailbox = MailboxStore().save_connection(
        workspace_id=workspace_id, owner_uid="u-bench0", email=owner, refresh_token="t"
    )
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    fetched = []
    for number in range(messages):
        people = [f"person{rng.randrange(200)}@{_domain(rng.randrange(200))}" for _ in range(rng.randint(1, 4))]
        outbound = rng.random() < 0.5
        sender, recipients = (owner, people) if outbound else (people[0], [owner, *people[1:]])
        raw = _mail(sender, recipients, "Deal", references=number % 3)
        labels = ("SENT",) if outbound else ("INBOX",)
        fetched.append(FetchedMessage(f"g{number}", f"t{number // 3}", labels, number, now_ms - number * 60_000, raw))
    # The baseline: the same mail with the per-member tallies switched off, as before they existed.
    switch = (
        contextlib.nullcontext() if member_stats else mock.patch.object(ingest, "_tally_relations", return_value=None)
    )
    writes = 0
    with switch:
        ingestor = ingest.Ingestor()
        for start in range(0, len(fetched), 50):
            result = ingestor.ingest(
                workspace_id=workspace_id,
                mailbox_id=mailbox.mailbox_id,
                owner_email=owner,
                sync_run_id="bench",
                messages=fetched[start : start + 50],
            )
            writes += result.writes
    return writes


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return round(statistics.median(ordered), 1), round(ordered[int(0.95 * (len(ordered) - 1))], 1)


def query_intros(workspace_id: str, contacts: int, queries: int, seed: int = 3) -> dict[str, Any]:
    """Each query three ways, one after another so the machine's load weighs on all alike: the service as it
    is, the same query reading the people around the target live (before the refresh kept copies), and one
    point read of the target (the emulator's round trip): the baselines the ratios are against."""
    from shared.clients import firestore_client
    from shared.crm.intros import IntroPaths, IntroQuery

    rng = random.Random(seed)
    service, live = IntroPaths(), IntroPaths(read_copies=False)
    contacts_ref = firestore_client().collection("workspaces").document(workspace_id).collection("contacts")
    times: dict[str, list[float]] = {"copies": [], "live": [], "point": []}
    reads: dict[str, list[int]] = {"copies": [], "live": []}
    paths: list[int] = []
    for number in range(queries):
        target = rng.randrange(contacts)
        if number % 4 == 3:
            query = IntroQuery(workspace_id=workspace_id, company_id=_domain(target))
        else:
            query = IntroQuery(workspace_id=workspace_id, contact_id=f"c_bench{target}")
        answers = {}
        for name, finder in (("copies", service), ("live", live)):
            started = time.perf_counter()
            answers[name] = finder.find(query)
            times[name].append((time.perf_counter() - started) * 1000)
            reads[name].append(answers[name]["reads"])
        if answers["copies"]["paths"] != answers["live"]["paths"]:
            raise AssertionError(f"the copies and live reads rank {query} differently")
        paths.append(len(answers["copies"]["paths"]))
        started = time.perf_counter()
        contacts_ref.document(f"c_bench{target}").get(field_paths=["name"])
        times["point"].append((time.perf_counter() - started) * 1000)
    p50, p95 = _percentiles(times["copies"])
    live_p50, live_p95 = _percentiles(times["live"])
    point_p50, point_p95 = _percentiles(times["point"])
    return {
        "intro_p50_ms": p50,
        "intro_p95_ms": p95,
        "reads_per_intro_query": round(statistics.fmean(reads["copies"]), 1),
        "reads_per_intro_query_max": max(reads["copies"]),
        "paths_per_query": round(statistics.fmean(paths), 1),
        "live_intro_p50_ms": live_p50,
        "live_intro_p95_ms": live_p95,
        "live_reads_per_intro_query": round(statistics.fmean(reads["live"]), 1),
        "point_read_p50_ms": point_p50,
        "point_read_p95_ms": point_p95,
        "intro_p95_over_live_p95": round(p95 / live_p95, 2),
        "intro_p95_over_point_read_p95": round(p95 / point_p95, 2),
    }


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="rapport bench relationships")
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ingest-messages", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rapport-bench-relationships-") as scratch:
        port = free_port()
        supervisor = ProcessSupervisor(Path(scratch) / "logs")
        env = bench_env(FIRESTORE_EMULATOR_HOST=f"127.0.0.1:{port}")
        launch = emulators.firestore(port, REPO_ROOT / "firestore.rules")
        try:
            say("relationships", f"Firestore is the emulator on 127.0.0.1:{port}")
            supervisor.start(launch.name, launch.argv, env=env, ready=launch.ready, cwd=REPO_ROOT)
            use_stack_env(env)
            now_ms = int(time.time() * 1000)
            started = time.monotonic()
            tallies = generate(args.members, args.contacts, args.interactions, now_ms)
            generate_s = time.monotonic() - started
            say("relationships", f"{args.interactions:,} messages folded in {generate_s:.1f} s")
            started = time.monotonic()
            written = write_workspace("bench-relationships", args.members, args.contacts, tallies, now_ms)
            write_s = time.monotonic() - started
            say("relationships", f"{written:,} documents written in {write_s:.1f} s")
            with_stats = ingest_writes("bench-ingest-with", args.ingest_messages, member_stats=True)
            without_stats = ingest_writes("bench-ingest-without", args.ingest_messages, member_stats=False)
            say("relationships", f"ingest writes {with_stats} with per-member stats, {without_stats} without")
            intros = query_intros("bench-relationships", args.contacts, args.queries)
        finally:
            supervisor.stop_all()
    return {
        "members": args.members,
        "contacts": args.contacts,
        "interactions": args.interactions,
        "interactions_written": 0,
        "generate_seconds": round(generate_s, 1),
        "documents_written": written,
        "write_seconds": round(write_s, 1),
        "writes_per_message": round(with_stats / args.ingest_messages, 2),
        "extra_writes_per_message": round((with_stats - without_stats) / args.ingest_messages, 2),
        **intros,
    }
