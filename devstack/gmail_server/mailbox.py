"""One user's mailbox in memory: messages, threads, labels, the history log and the push watch."""

from __future__ import annotations

import bisect
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from devstack.gmail_server import errors, ids
from devstack.gmail_server.labels import SPAM_AND_TRASH, LabelRegistry, default_labels, labels_from_takeout
from devstack.gmail_server.query import Predicate
from devstack.gmail_server.rfc822 import Envelope, ParsedMessage, b64url, parse_message, read_envelope
from devstack.gmail_server.threads import ThreadIndex
from shared.log import get_logger

WATCH_LIFETIME_MS = 7 * 24 * 3600 * 1000
_PARSED_CACHE_SIZE = 512

log = get_logger("gmail_server.mailbox")

# (topic, email address, history id): hands a watch notification to the publisher.
NotifyFn = Callable[[str, str, int], None]


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    raw: bytes
    internal_ms: int
    envelope: Envelope
    label_ids: set[str]
    history_id: int
    _text: str | None = field(default=None, repr=False)
    _has_attachment: bool | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return len(self.raw)

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.internal_ms, self.id)

    def attachment_id(self, part_id: str) -> str:
        return "ANGjdJ" + b64url(f"{self.id}:{part_id}".encode()).rstrip("=")

    def parse(self) -> ParsedMessage:
        parsed = parse_message(self.raw, self.attachment_id)
        self._text = parsed.text
        self._has_attachment = bool(parsed.attachments)
        return parsed

    def search_text(self) -> str:
        if self._text is None:
            self.parse()
        return self._text or ""

    def has_attachment(self) -> bool:
        if self._has_attachment is None:
            self.parse()
        return bool(self._has_attachment)


@dataclass(frozen=True)
class HistoryRecord:
    id: int
    kind: str  # messageAdded | messageDeleted | labelAdded | labelRemoved
    message_id: str
    thread_id: str
    label_ids: tuple[str, ...]  # the message's labels right after the change
    changed_labels: tuple[str, ...] = ()

    def touches(self, label_id: str) -> bool:
        return label_id in self.label_ids or label_id in self.changed_labels


@dataclass(frozen=True)
class Watch:
    topic: str
    label_ids: frozenset[str]
    include: bool
    expiration_ms: int

    def covers(self, record: HistoryRecord) -> bool:
        if not self.label_ids:
            return True
        touched = any(record.touches(label) for label in self.label_ids)
        return touched if self.include else not touched


@dataclass(frozen=True)
class MessagePage:
    messages: list[StoredMessage]
    next_cursor: tuple[int, str] | None
    estimate: int


@dataclass(frozen=True)
class HistoryPage:
    records: list[HistoryRecord]
    next_after: int | None
    history_id: int


class Mailbox:
    def __init__(self, email: str, *, first_history_id: int, notify: NotifyFn | None = None) -> None:
        self.email = email.lower()
        self.labels = LabelRegistry()
        self._notify = notify
        self._lock = threading.RLock()
        self._messages: dict[str, StoredMessage] = {}
        self._order: list[tuple[int, str]] = []  # sort keys, oldest first
        self._threads = ThreadIndex()
        self._history: list[HistoryRecord] = []
        self._history_id = first_history_id
        self._history_floor = first_history_id
        self._watch: Watch | None = None
        self._parsed: OrderedDict[str, ParsedMessage] = OrderedDict()
        self._parsed_lock = threading.Lock()
        self._drafts: dict[str, str] = {}  # draft id → its message's id, oldest first

    # Loading and delivery -------------------------------------------------------------------------

    def load(self, raws: Iterable[bytes], *, loaded_at_ms: int | None = None) -> int:
        """Add existing mail oldest first, so threads and historyIds follow the dates. No notifications."""
        fallback_ms = loaded_at_ms or now_ms()
        entries = list(_readable(raws))
        entries.sort(key=lambda entry: entry[1].date_ms or fallback_ms)
        with self._lock:
            for raw, envelope in entries:
                self._add(raw, envelope, envelope.date_ms or fallback_ms, self._initial_labels(envelope))
        return len(entries)

    def deliver(self, raw: bytes, label_ids: set[str] | None = None) -> StoredMessage:
        envelope = read_envelope(raw)
        with self._lock:
            labels = label_ids if label_ids is not None else self._initial_labels(envelope)
            message, record = self._add(raw, envelope, now_ms(), labels)
            self._announce(record)
            return message

    def _initial_labels(self, envelope: Envelope) -> set[str]:
        if envelope.gmail_labels is not None:
            return labels_from_takeout(envelope.gmail_labels, self.labels)
        return default_labels(envelope.sender_address, self.email)

    def create_draft(self, raw: bytes, thread_id: str | None = None) -> tuple[str, StoredMessage]:
        """A draft labelled DRAFT, in `thread_id` when given (which must be a thread of this mailbox)."""
        envelope = read_envelope(raw)
        with self._lock:
            if thread_id is not None and not any(m.thread_id == thread_id for m in self._messages.values()):
                raise errors.not_found()
            message, record = self._add(raw, envelope, now_ms(), {"DRAFT"}, thread_id=thread_id)
            draft_id = f"r{int(message.id, 16) % 10**19}"
            self._drafts[draft_id] = message.id
            self._announce(record)
            return draft_id, message

    def drafts(self) -> list[tuple[str, StoredMessage]]:
        """Drafts newest first, as Gmail lists them."""
        with self._lock:
            return [(draft_id, self._messages[mid]) for draft_id, mid in reversed(self._drafts.items())]

    def draft(self, draft_id: str) -> StoredMessage:
        with self._lock:
            message_id = self._drafts.get(draft_id)
            if message_id is None:
                raise errors.not_found()
            return self._messages[message_id]

    def _add(
        self, raw: bytes, envelope: Envelope, internal_ms: int, labels: set[str], *, thread_id: str | None = None
    ) -> tuple[StoredMessage, HistoryRecord]:
        message_id = self._free_message_id(internal_ms, raw)
        thread_id = thread_id or self._threads.assign(envelope, message_id)
        message = StoredMessage(message_id, thread_id, raw, internal_ms, envelope, set(labels), 0)
        self._messages[message_id] = message
        bisect.insort(self._order, message.sort_key)
        return message, self._record("messageAdded", message)

    def _free_message_id(self, internal_ms: int, raw: bytes) -> str:
        attempt = 0
        while (candidate := ids.message_id(internal_ms, raw, attempt)) in self._messages:
            attempt += 1
        return candidate

    # Changes to existing messages -----------------------------------------------------------------

    def change_labels(self, message_id: str, add: set[str], remove: set[str]) -> StoredMessage:
        with self._lock:
            message = self._get(message_id)
            added = sorted(add - message.label_ids)
            removed = sorted(remove & message.label_ids)
            message.label_ids |= set(added)
            message.label_ids -= set(removed)
            if added:
                self._announce(self._record("labelAdded", message, tuple(added)))
            if removed:
                self._announce(self._record("labelRemoved", message, tuple(removed)))
            return message

    def delete(self, message_id: str) -> None:
        with self._lock:
            message = self._get(message_id)
            del self._messages[message_id]
            index = bisect.bisect_left(self._order, message.sort_key)
            del self._order[index]
            self._announce(self._record("messageDeleted", message))

    def _record(self, kind: str, message: StoredMessage, changed: tuple[str, ...] = ()) -> HistoryRecord:
        # Gmail's history ids increase with gaps; clients must never assume they are contiguous.
        self._history_id += random.randint(1, 9)
        message.history_id = self._history_id
        record = HistoryRecord(
            self._history_id, kind, message.id, message.thread_id, tuple(sorted(message.label_ids)), changed
        )
        self._history.append(record)
        return record

    def _announce(self, record: HistoryRecord) -> None:
        watch = self._watch
        if watch is None or self._notify is None or not watch.covers(record):
            return
        if watch.expiration_ms <= now_ms():
            self._watch = None
            return
        self._notify(watch.topic, self.email, record.id)

    # Reading --------------------------------------------------------------------------------------

    @property
    def history_id(self) -> int:
        return self._history_id

    def counts(self) -> tuple[int, int]:
        with self._lock:
            return len(self._messages), len({message.thread_id for message in self._messages.values()})

    def get(self, message_id: str) -> StoredMessage:
        with self._lock:
            return self._get(message_id)

    def _get(self, message_id: str) -> StoredMessage:
        if not ids.is_message_id(message_id):
            raise errors.invalid_argument("Invalid id value")
        message = self._messages.get(message_id)
        if message is None:
            raise errors.not_found()
        return message

    def parsed(self, message: StoredMessage) -> ParsedMessage:
        """The full parse of a message, kept in a small LRU because batches often ask twice."""
        with self._parsed_lock:
            cached = self._parsed.get(message.id)
            if cached is not None:
                self._parsed.move_to_end(message.id)
                return cached
        parsed = message.parse()
        with self._parsed_lock:
            self._parsed[message.id] = parsed
            while len(self._parsed) > _PARSED_CACHE_SIZE:
                self._parsed.popitem(last=False)
        return parsed

    def list_messages(
        self,
        matches: Predicate | None,
        *,
        required_labels: frozenset[str],
        include_spam_trash: bool,
        after: tuple[int, str] | None,
        limit: int,
    ) -> MessagePage:
        """Newest first. `after` is the sort key of the last message of the previous page."""
        with self._lock:
            keys = list(self._order)
            messages = self._messages

        def wanted(message: StoredMessage) -> bool:
            labels = message.label_ids
            if not include_spam_trash and labels & SPAM_AND_TRASH:
                return False
            return required_labels <= labels and (matches is None or matches(message))

        start = len(keys) if after is None else bisect.bisect_left(keys, after)
        page: list[StoredMessage] = []
        estimate = 0
        has_more = False
        for index in range(len(keys) - 1, -1, -1):
            message = messages.get(keys[index][1])
            if message is None or not wanted(message):
                continue
            estimate += 1
            if index < start:
                if len(page) < limit:
                    page.append(message)
                else:
                    has_more = True
        return MessagePage(page, page[-1].sort_key if has_more else None, estimate)

    def list_history(
        self,
        start_history_id: int,
        *,
        after: int | None = None,
        kinds: frozenset[str] | None,
        label_id: str | None,
        limit: int,
    ) -> HistoryPage:
        """Records newer than `after` (a page cursor, else the start); a start below the floor is a 404."""
        with self._lock:
            if start_history_id < self._history_floor:
                raise errors.not_found()
            first = start_history_id if after is None else after
            index = bisect.bisect_right(self._history, first, key=lambda record: record.id)
            records: list[HistoryRecord] = []
            next_after: int | None = None
            for record in self._history[index:]:
                if len(records) == limit:
                    next_after = records[-1].id
                    break
                if (kinds is None or record.kind in kinds) and (label_id is None or record.touches(label_id)):
                    records.append(record)
            return HistoryPage(records, next_after, self._history_id)

    def expire_history(self) -> int:
        """Forget all history: only the current historyId stays a valid cursor."""
        with self._lock:
            self._history.clear()
            self._history_floor = self._history_id
            return self._history_floor

    # Push notifications ---------------------------------------------------------------------------

    def watch(self, topic: str, label_ids: Iterable[str], *, include: bool) -> Watch:
        with self._lock:
            self._watch = Watch(topic, frozenset(label_ids), include, now_ms() + WATCH_LIFETIME_MS)
            return self._watch

    def stop(self) -> None:
        with self._lock:
            self._watch = None


def _readable(raws: Iterable[bytes]) -> Iterable[tuple[bytes, Envelope]]:
    for position, raw in enumerate(raws):
        try:
            yield raw, read_envelope(raw)
        except Exception:  # one unreadable message must not stop a whole mailbox from loading
            log.warning("skipped an unreadable message", extra={"position": position, "size": len(raw)}, exc_info=True)
