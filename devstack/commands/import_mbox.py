"""Import a Google Takeout mbox into the running local Rapport, through the same pipeline as Gmail sync."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from devstack import demo
from devstack.commands.up import attach_to_running_stack
from devstack.processes import StackError


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the .mbox file from Google Takeout")
    parser.add_argument("--owner", help="whose mailbox it is (default: the sender of most of its Sent mail)")
    parser.add_argument("--workspace", default=demo.DEMO_WORKSPACE, help="workspace to import into")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the CRM to take it all in")


def progress_bar(label: str, done: int, total: int, width: int = 32) -> str:
    filled = width if total <= 0 else min(width, width * done // total)
    return f"\r  {label:<10}[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def run(args: argparse.Namespace) -> int:
    if not attach_to_running_stack("import-mbox"):
        return 1
    from shared.errors import DomainError

    try:
        summary = _import(args)
    except (DomainError, StackError) as error:
        print(f"\nrapport import-mbox: {getattr(error, 'message', error)}", file=sys.stderr)
        return 1
    print(json.dumps(summary), flush=True)
    return 0


def _import(args: argparse.Namespace) -> dict[str, object]:
    from devstack.mbox_import import ImportProgress, MboxImporter, guess_owner
    from devstack.takeout import read_mbox
    from shared import ids
    from shared.gmail.mailboxes import MailboxRef

    owner = (args.owner or guess_owner(read_mbox(args.path))).lower()
    total = sum(1 for _ in read_mbox(args.path))
    before = demo.mailbox_progress(MailboxRef(args.workspace, ids.mailbox_id(owner)))

    def show(progress: ImportProgress) -> None:
        sys.stderr.write(progress_bar("published", progress.published + progress.skipped, total))

    result = MboxImporter().run(
        args.path, workspace_id=args.workspace, owner_uid=demo.DEMO_OWNER_UID, owner_email=owner, on_progress=show
    )
    sys.stderr.write("\n")
    # Ingestion runs behind Pub/Sub: wait until every published message is stored (or known already).
    expected = result.progress.published
    deadline = time.monotonic() + args.timeout
    while True:
        now = demo.mailbox_progress(result.ref)
        taken = (now.stored + now.duplicates) - (before.stored + before.duplicates)
        sys.stderr.write(progress_bar("stored", taken, expected))
        if taken >= expected:
            break
        if time.monotonic() > deadline:
            raise StackError("the CRM did not take in every message in time; see the functions log")
        time.sleep(0.3)
    sys.stderr.write("\n")
    return {
        "owner": owner,
        "messages": result.progress.read,
        "imported": expected,
        "skipped": result.progress.skipped,
        "syncRunId": result.run_id,
    }
