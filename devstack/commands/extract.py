"""Print what Rapport learns from raw RFC 822 messages: one JSON line per message."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.mail.extract import extract
from shared.mail.message import DEFAULT_GROUP_THRESHOLD

# Characters that some readers (Python's str.splitlines among them) take for line breaks: escaped,
# so one message is always exactly one line.
_LINE_BREAKERS = {c: f"\\u{c:04x}" for c in (0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}


def json_line(value: object) -> str:
    """Readable UTF-8 JSON on exactly one line."""
    return json.dumps(value, ensure_ascii=False).translate(_LINE_BREAKERS)


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
        print(json_line(result.to_dict(file=None if name == "-" else name)), flush=True)
    return 1 if failures else 0
