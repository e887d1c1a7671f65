"""Print what Rapport learns from raw RFC 822 messages: one JSON line per message."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.mail.extract import extract
from shared.mail.message import DEFAULT_GROUP_THRESHOLD


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", help="message files (.eml); standard input when none or '-'")
    parser.add_argument(
        "--owner",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="an address of the mailbox owner (repeatable): decides direction and who is a contact",
    )
    parser.add_argument(
        "--group-threshold",
        type=int,
        default=DEFAULT_GROUP_THRESHOLD,
        help="recipients above which a message counts as group mail (default %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    owners = frozenset(a.lower() for a in args.owner)
    failures = 0
    for name in args.files or ["-"]:
        try:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            print(json.dumps({"file": name, "error": f"unreadable: {exc.strerror or exc}"}), flush=True)
            failures += 1
            continue
        result = extract(raw, owner_addresses=owners, group_threshold=args.group_threshold)
        print(json.dumps(result.to_dict(file=None if name == "-" else name), ensure_ascii=False), flush=True)
    return 1 if failures else 0
