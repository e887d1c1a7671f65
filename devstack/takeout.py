"""Google Takeout's Gmail export: an mbox file whose messages carry `X-Gmail-Labels`. Read by the local Gmail
server and `./rapport import-mbox`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

_POSTMARK = re.compile(rb"^From [^\n]*\n", re.MULTILINE)
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)

# Takeout label names (lower-cased) -> Gmail label id. None marks names that carry no label of their own.
TAKEOUT_LABELS: dict[str, str | None] = {
    "inbox": "INBOX",
    "sent": "SENT",
    "important": "IMPORTANT",
    "starred": "STARRED",
    "spam": "SPAM",
    "trash": "TRASH",
    "draft": "DRAFT",
    "drafts": "DRAFT",
    "chat": "CHAT",
    "chats": "CHAT",
    "unread": "UNREAD",
    "opened": None,
    "archived": None,
    "category promotions": "CATEGORY_PROMOTIONS",
    "category social": "CATEGORY_SOCIAL",
    "category updates": "CATEGORY_UPDATES",
    "category forums": "CATEGORY_FORUMS",
    "category personal": "CATEGORY_PERSONAL",
    "category primary": "CATEGORY_PERSONAL",
}


def read_mbox(path: Path) -> Iterator[bytes]:
    """Messages of an mbox file, with the `From ` separators removed and `>From ` lines unescaped."""
    data = path.read_bytes()
    starts = [match for match in _POSTMARK.finditer(data) if match.start() == 0 or data[match.start() - 1] == 10]
    for index, postmark in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(data)
        message = _strip_separator(data[postmark.end() : end])
        if message.strip():
            yield _ESCAPED_FROM.sub(rb"\1", message)


def _strip_separator(message: bytes) -> bytes:
    # mbox writers put one empty line between a message and the next postmark; it is not message content.
    if message.endswith(b"\r\n\r\n"):
        return message[:-2]
    if message.endswith(b"\n\n"):
        return message[:-1]
    return message


def system_labels(takeout_names: str) -> set[str]:
    """The Gmail system labels named in an `X-Gmail-Labels` value (custom labels are left out)."""
    names = (name.strip().lower() for name in takeout_names.split(","))
    return {label for name in names if (label := TAKEOUT_LABELS.get(name))}
