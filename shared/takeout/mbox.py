"""Google Takeout's Gmail export, read as a stream: an mbox file (mboxrd) whose messages carry `X-Gmail-Labels`.

The reader holds one message and one read chunk at a time, so a file of any size reads in flat memory, from a
local file or from Cloud Storage's ranged reads alike. Each message carries the byte offset of its `From `
line, where a later read can start again.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TypeVar

from shared.pipeline.fetched import FetchedMessage

READ_CHUNK = 4 * 1024 * 1024
T = TypeVar("T")
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
# The end of a line, an empty line, and then a `From ` line: the postmark starts where this match ends.
_SEPARATOR = re.compile(rb"\n\r?\n(?=From )")
_SEPARATOR_SPAN = 8  # the longest separator with its `From `: a match cut by a read is looked for again
_HEADER_BLOCK = re.compile(rb"\r?\n\r?\n")
_FOLDED = re.compile(r"\r?\n[ \t]+")
_WANTED_HEADERS = frozenset({"message-id", "date", "from", "x-gmail-labels", "x-gm-thrid"})

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


@dataclass(frozen=True)
class MboxMessage:
    offset: int  # where its `From ` line starts
    end: int  # where the next message's `From ` line starts (or the end of the file)
    raw: bytes  # the RFC 822 message, separator removed and `>From ` lines unescaped


def read_messages(
    read: Callable[[int], bytes], *, start: int = 0, chunk_size: int = READ_CHUNK
) -> Iterator[MboxMessage]:
    """The messages of an mbox read through `read(n)` (a file's or a Cloud Storage reader's `read`),
    positioned at byte `start`, which must be the start of a `From ` line or of the file.

    A `From ` line separates messages only at the start or after an empty line; mboxrd writers (Takeout
    among them) quote body lines starting with `From ` as `>From `, and a writer that did not is still read
    right when such a line follows text. The buffer holds the message being read and one chunk."""
    # Two line ends before the start: a `From ` line first (or after empty lines) starts a message too.
    buffer = b"\n\n"
    base = start - len(buffer)  # file offset of buffer[0]
    postmark: int | None = None  # where, in the buffer, the current message's `From ` line starts
    scan = 0  # where the search for the next separator goes on
    while True:
        chunk = read(chunk_size)
        # Keep only the current message (or, before the first one, the bytes a separator could straddle).
        keep = postmark if postmark is not None else max(0, min(scan, len(buffer) - _SEPARATOR_SPAN))
        buffer, base = buffer[keep:] + chunk, base + keep
        scan -= keep
        if postmark is not None:
            postmark = 0
        for match in _SEPARATOR.finditer(buffer, scan):
            next_postmark = match.end()
            if postmark is not None:
                message = _message(buffer, base, postmark, next_postmark)
                if message is not None:
                    yield message
            postmark = next_postmark
        # A separator cut by the end of the buffer is found again once the next chunk arrives.
        scan = max(postmark or 0, len(buffer) - _SEPARATOR_SPAN, 0)
        if not chunk:
            if postmark is not None:
                message = _message(buffer, base, postmark, len(buffer))
                if message is not None:
                    yield message
            return


def read_file(stream: BinaryIO, *, start: int = 0, chunk_size: int = READ_CHUNK) -> Iterator[MboxMessage]:
    stream.seek(start)
    return read_messages(stream.read, start=start, chunk_size=chunk_size)


def _message(buffer: bytes, base: int, postmark: int, end: int) -> MboxMessage | None:
    content = buffer.find(b"\n", postmark, end) + 1
    if content == 0:
        return None  # a `From ` line and nothing after it
    raw = buffer[content:end]
    # mbox writers put one empty line between a message and the next postmark; it is not message content.
    if raw.endswith(b"\n\r\n") or raw == b"\r\n":
        raw = raw[:-2]
    elif raw.endswith(b"\n\n") or raw == b"\n":
        raw = raw[:-1]
    if not raw.strip():
        return None
    return MboxMessage(base + postmark, base + end, _ESCAPED_FROM.sub(rb"\1", raw))


def system_labels(takeout_names: str) -> set[str]:
    """The Gmail system labels named in an `X-Gmail-Labels` value (custom labels are left out)."""
    names = (name.strip().lower() for name in takeout_names.split(","))
    return {label for name in names if (label := TAKEOUT_LABELS.get(name))}


def headers(raw: bytes) -> dict[str, str]:
    """The few headers an import needs, read without parsing the whole message."""
    block = _HEADER_BLOCK.split(raw, maxsplit=1)[0].decode("latin-1")
    found: dict[str, str] = {}
    for line in _FOLDED.sub(" ", block).splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() in _WANTED_HEADERS:
            found.setdefault(name.strip().lower(), value.strip())
    return found


def to_fetched(raw: bytes) -> FetchedMessage:
    """A Takeout message as if Gmail had served it: a stable id from its Message-ID (or bytes), so the same
    message imported twice is the same interaction; its labels."""
    found = headers(raw)
    identity = found.get("message-id") or hashlib.sha256(raw).hexdigest()
    message_id = hashlib.sha256(identity.encode()).hexdigest()[:16]
    try:
        when = email.utils.parsedate_to_datetime(found.get("date", ""))
        internal_ms = int(when.timestamp() * 1000)
    except (TypeError, ValueError, IndexError, OverflowError):
        internal_ms = 0
    return FetchedMessage(
        id=message_id,
        thread_id=found.get("x-gm-thrid") or message_id,
        label_ids=tuple(sorted(system_labels(found.get("x-gmail-labels", "")))),
        history_id=0,
        internal_date_ms=internal_ms,
        raw=raw,
    )


def guess_owner(messages: Iterable[bytes]) -> str | None:
    """The address most of the mailbox's Sent mail comes from, if it has Sent mail."""
    senders: dict[str, int] = {}
    for raw in messages:
        found = headers(raw)
        if "SENT" in system_labels(found.get("x-gmail-labels", "")):
            address = email.utils.parseaddr(found.get("from", ""))[1].lower()
            senders[address] = senders.get(address, 0) + 1
    return max(senders, key=lambda address: senders[address]) if senders else None


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last may be shorter), read lazily."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
