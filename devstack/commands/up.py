"""Start Rapport locally: emulators, local Gmail, the functions and the web app, with the demo mailbox ingested."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

from devstack import demo
from devstack.processes import StackError, interrupt_on_sigterm
from devstack.stack import REPO_ROOT, LocalStack

# Overridable so tests can run a stack beside a developer's own `up`.
RUNTIME_DIR = Path(os.environ.get("RAPPORT_RUNTIME_DIR", REPO_ROOT / ".rapport"))
DEMO_OWNER = "alex.morgan@lumenway.io"
STACK_FILE = Path("up") / "stack.json"  # under RUNTIME_DIR while `up` runs: how other commands reach the stack


def attach_to_running_stack(command: str) -> bool:
    """Points this process at the stack `./rapport up` is running; False (and says so) when none is."""
    from devstack.stack import use_stack_env

    stack_file = RUNTIME_DIR / STACK_FILE
    if not stack_file.exists():
        print(f"rapport {command}: Rapport is not running here; start it with ./rapport up", file=sys.stderr)
        return False
    use_stack_env(json.loads(stack_file.read_text())["env"])
    return True


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smoke", action="store_true", help="no web app: ingest the demo mailbox, print JSON, exit")
    parser.add_argument("--messages", type=int, default=1600, help="size of the generated demo mailbox")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the demo mailbox")
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="add mail with markup, javascript: links and orders to the assistant (shown as text, never obeyed)",
    )


@contextlib.contextmanager
def single_instance(lock_path: Path) -> Iterator[None]:
    """A second `up` while one runs says so and exits. The OS drops the lock when we die."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "another process"
        raise StackError(f"Rapport is already running here ({owner}); stop it with Ctrl-C first") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress_printer() -> object:
    last: list[str] = [""]

    def show(progress: demo.IngestProgress) -> None:
        line = (
            f"  sync {progress.stage}: listed {progress.listed}, fetched {progress.fetched}, stored {progress.stored}"
        )
        if line != last[0]:
            last[0] = line
            _say(line)

    return show


def run(args: argparse.Namespace) -> int:
    interrupt_on_sigterm()
    started = time.monotonic()
    try:
        with single_instance(RUNTIME_DIR / "up.lock"):
            return _run(args, started)
    except StackError as error:
        _say(f"rapport up: {error}")
        return 1
    except KeyboardInterrupt:
        _say("rapport up: stopped; every process has ended")
        return 130


def _run(args: argparse.Namespace, started: float) -> int:
    from devstack.demo_mailbox import generate

    runtime = RUNTIME_DIR / "up"
    _say("rapport up: generating the demo mailbox ...")
    mailbox = generate(owner=DEMO_OWNER, messages=args.messages, anchor=datetime.now(UTC).date(), hostile=args.hostile)
    mbox_path = runtime / "demo.mbox"
    runtime.mkdir(parents=True, exist_ok=True)
    mailbox.write_mbox(mbox_path)

    _say("rapport up: starting the emulators, local Gmail and the functions ...")
    with LocalStack(runtime, with_web=not args.smoke) as stack:
        ready_seconds = time.monotonic() - started
        _say(f"rapport up: stack ready in {ready_seconds:.1f} s (logs in {stack.supervisor.log_dir})")
        stack_file = RUNTIME_DIR / STACK_FILE
        stack_file.write_text(json.dumps({"env": stack.env}))
        try:
            return _serve(stack, args, mbox_path, started, ready_seconds)
        except (StackError, KeyboardInterrupt):
            raise
        except Exception as error:
            # A call into the stack failed: most often because a part of it died; say which.
            problem = stack.crashed_part()
            raise StackError(f"a part of the stack stopped: {problem}" if problem else str(error)) from error
        finally:
            stack_file.unlink(missing_ok=True)


def addon_preview_url(web_url: str, *, workspace_id: str = demo.DEMO_WORKSPACE, owner: str = DEMO_OWNER) -> str:
    """The sidebar preview of the demo owner's newest message from someone else (docs/addon.md)."""
    from google.cloud import firestore
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.clients import firestore_client

    newest = (
        firestore_client()
        .collection("workspaces", workspace_id, "interactions")
        .where(filter=FieldFilter("direction", "==", "inbound"))
        .order_by("occurredAt", direction=firestore.Query.DESCENDING)
        .limit(1)
    )
    found = [snapshot.to_dict() or {} for snapshot in newest.stream()]
    query = urlencode({"message": found[0].get("gmailMessageId", ""), "as": owner} if found else {"as": owner})
    return f"{web_url}/addon-preview?{query}"


def _serve(stack: LocalStack, args: argparse.Namespace, mbox_path: Path, started: float, ready_seconds: float) -> int:
    ref = demo.connect_demo(stack.gmail_url, DEMO_OWNER, mbox_path, with_calendar=True)
    if not args.smoke:
        sign_in = demo.sign_in_link(
            stack.web_url, uid=demo.DEMO_OWNER_UID, email=DEMO_OWNER, display_name="Alex Morgan"
        )
    _say("rapport up: ingesting the demo mailbox through Pub/Sub, Cloud Tasks and the functions ...")
    progress = demo.wait_until_ingested(
        ref, timeout=args.timeout, on_progress=_progress_printer(), crashed=stack.crashed_part
    )
    counts = demo.counts(demo.DEMO_WORKSPACE)
    summary = {
        "messages": progress.stored,
        "contacts": counts["contacts"],
        "companies": counts["companies"],
        "meetings": demo.wait_for_meetings(ref),
        "seconds": round(time.monotonic() - started, 2),
        "ready_seconds": round(ready_seconds, 2),
    }
    if args.smoke:
        print(json.dumps(summary), flush=True)
        return 0
    _say(
        f"rapport up: {summary['messages']} messages ingested: {summary['contacts']} contacts, "
        f"{summary['companies']} companies, {summary['meetings']} meetings from Google Calendar "
        f"in {summary['seconds']} s"
    )
    _say(f"\n  Open {sign_in}")
    _say(f"  The Gmail sidebar (the add-on's cards for any demo message): {addon_preview_url(stack.web_url)}")
    deliver_url = f"{stack.gmail_url}/_dev/mailboxes/{DEMO_OWNER}/messages"
    _say(f"  New mail arrives live when POSTed (message/rfc822) to {deliver_url}")
    _say(f"  Cloud Storage is an emulator (gcp-storage-emulator) at {stack.storage_url}: Takeout uploads land there\n")
    _say("rapport up: running; Ctrl-C stops everything")
    while True:
        problem = stack.crashed_part()
        if problem:
            raise StackError(f"a part of the stack stopped: {problem}")
        time.sleep(1)
