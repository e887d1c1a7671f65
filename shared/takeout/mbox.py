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

    A `From ` line separates messages only at the start of the file or after an empty line; mboxrd
    writers (Takeout among them) escape body lines starting with `From ` as `>From `, and a writer that
    did not is still read right when such a line follows text."""
    position = start  # file offset of the next line
    message_start: int | None = None
    lines: list[bytes] = []
    previous_blank = True
    for line in _lines(read, chunk_size):
        if previous_blank and line.startswith(b"From "):
            if message_start is not None:
                message = _message(message_start, position, lines)
                if message is not None:
                    yield message
            message_start, lines = position, []
        elif message_start is not None:
            lines.append(line)
        previous_blank = line in (b"\n", b"\r\n")
        position += len(line)
    if message_start is not None:
        message = _message(message_start, position, lines)
        if message is not None:
            yield message


def read_file(stream: BinaryIO, *, start: int = 0, chunk_size: int = READ_CHUNK) -> Iterator[MboxMessage]:
    stream.seek(start)
    return read_messages(stream.read, start=start, chunk_size=chunk_size)


def _lines(read: Callable[[int], bytes], chunk_size: int) -> Iterator[bytes]:
    """Lines with their endings; a line split across two reads comes out whole."""
    pending = b""
    while chunk := read(chunk_size):
        parts = (pending + chunk).split(b"\n")
        pending = parts.pop()
        for part in parts:
            yield part + b"\n"
    if pending:
        yield pending


def _message(offset: int, end: int, lines: list[bytes]) -> MboxMessage | None:
    # mbox writers put one empty line between a message and the next postmark; it is not message content.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    raw = b"".join(lines)
    if not raw.strip():
        return None
    return MboxMessage(offset, end, _ESCAPED_FROM.sub(rb"\1", raw))


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
