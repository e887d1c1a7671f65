"""List, replay or purge the dead letters of the running local Rapport: input it could not process."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TextIO

from devstack.commands.up import attach_to_running_stack

if TYPE_CHECKING:
    from shared.deadletters import DeadLetter


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="by mailbox and reason (the default)")
    replay = actions.add_parser("replay", help="send letters through the pipeline again")
    replay.add_argument("ids", nargs="+", metavar="ID")
    purge = actions.add_parser("purge", help="delete letters (name a workspace or mailbox, or --all)")
    purge.add_argument("--all", action="store_true", help="every letter of every workspace")
    for action in (listing, purge):
        action.add_argument("--workspace", help="only this workspace's letters")
        action.add_argument("--mailbox", help="only this mailbox's letters")
    listing.add_argument("--json", action="store_true", help="one JSON object per letter")


def run(args: argparse.Namespace) -> int:
    if not attach_to_running_stack("deadletters"):
        return 1
    return command(args)


def command(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """The action itself, against whatever Firestore and Pub/Sub the settings name."""
    from shared.deadletters import DeadLetters
    from shared.errors import DomainError

    stdout = out or sys.stdout
    letters = DeadLetters()
    action = args.action or "list"
    if action == "list":
        found = letters.list(workspace_id=args.workspace, mailbox_id=args.mailbox)
        for line in _lines(found, as_json=getattr(args, "json", False)):
            print(line, file=stdout)
        return 0
    if action == "replay":
        failed = 0
        for letter_id in args.ids:
            try:
                letter = letters.replay(letter_id)
            except DomainError as error:
                print(f"{letter_id}: {error.message}", file=sys.stderr)
                failed += 1
                continue
            print(f"{letter_id}: replayed to {letter.topic}", file=stdout)
        return 1 if failed else 0
    if not (args.all or args.workspace or args.mailbox):
        print("rapport deadletters purge: name --workspace, --mailbox, or --all", file=sys.stderr)
        return 2
    deleted = letters.purge(workspace_id=args.workspace, mailbox_id=args.mailbox)
    print(f"purged {deleted} dead letter(s)", file=stdout)
    return 0


def _lines(letters: list[DeadLetter], *, as_json: bool) -> list[str]:
    if as_json:
        return [json.dumps(letter.public()) for letter in letters]
    if not letters:
        return ["no dead letters"]
    lines: list[str] = []
    group: tuple[str, str] | None = None
    for letter in letters:
        key = (letter.mailbox_id or "(no mailbox)", letter.reason)
        if key != group:
            group = key
            count = sum(1 for other in letters if (other.mailbox_id or "(no mailbox)", other.reason) == key)
            lines.append(f"{key[0]} · {key[1]} · {count}")
        when = letter.recorded_at.strftime("%Y-%m-%d %H:%M") if letter.recorded_at else "?"
        replay = "replayable" if letter.replayable else "not replayable"
        lines.append(f"  {letter.id}  {letter.source:<12} {when}  {letter.size} B  {replay}")
    return lines
