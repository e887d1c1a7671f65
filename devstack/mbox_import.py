"""`./rapport import-mbox`: a Google Takeout mbox fed through the same pipeline as Gmail sync, as batches on
mail-fetched. A development tool: the product's own Takeout upload is not built on it."""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from devstack.takeout import read_mbox, system_labels
from shared import ids
from shared.errors import Conflict, InvalidInput
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.sync import publish_batch
from shared.pipeline.fetched import FetchedBatch, FetchedMessage, batches_for
from shared.settings import Settings, get_settings

HEADER_BLOCK = re.compile(rb"\r?\n\r?\n")
BATCH_SIZE = 50


@dataclass
class ImportProgress:
    read: int = 0
    published: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class ImportResult:
    ref: MailboxRef
    run_id: str
    progress: ImportProgress


def _headers(raw: bytes) -> dict[str, str]:
    """The few headers an import needs, read without parsing the whole message."""
    block = HEADER_BLOCK.split(raw, maxsplit=1)[0].decode("latin-1")
    unfolded = re.sub(r"\r?\n[ \t]+", " ", block)
    wanted = {"message-id", "date", "from", "x-gmail-labels", "x-gm-thrid"}
    found: dict[str, str] = {}
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() in wanted:
            found.setdefault(name.strip().lower(), value.strip())
    return found


def to_fetched(raw: bytes) -> FetchedMessage:
    """A Takeout message as if Gmail had served it: a stable id from its Message-ID (or bytes), its labels."""
    headers = _headers(raw)
    identity = headers.get("message-id") or hashlib.sha256(raw).hexdigest()
    message_id = hashlib.sha256(identity.encode()).hexdigest()[:16]
    try:
        when = email.utils.parsedate_to_datetime(headers.get("date", ""))
        internal_ms = int(when.timestamp() * 1000)
    except (TypeError, ValueError, IndexError, OverflowError):
        internal_ms = 0
    return FetchedMessage(
        id=message_id,
        thread_id=headers.get("x-gm-thrid") or message_id,
        label_ids=tuple(sorted(system_labels(headers.get("x-gmail-labels", "")))),
        history_id=0,
        internal_date_ms=internal_ms,
        raw=raw,
    )


def guess_owner(messages: Iterable[bytes]) -> str:
    """The address most of the mailbox's Sent mail comes from."""
    senders: Counter[str] = Counter()
    for raw in messages:
        headers = _headers(raw)
        if "SENT" in system_labels(headers.get("x-gmail-labels", "")):
            senders[email.utils.parseaddr(headers.get("from", ""))[1].lower()] += 1
    if not senders:
        raise InvalidInput("no Sent mail in this mbox to tell whose it is; name the owner's address")
    return senders.most_common(1)[0][0]


class MboxImporter:
    def __init__(
        self,
        *,
        store: MailboxStore | None = None,
        publish: Callable[[FetchedBatch], None] = publish_batch,
        settings: Settings | None = None,
    ) -> None:
        self._store = store or MailboxStore()
        self._publish = publish
        self._excluded = frozenset((settings or get_settings()).sync_excluded_labels)

    def run(
        self,
        path: Path,
        *,
        workspace_id: str,
        owner_uid: str,
        owner_email: str | None = None,
        on_progress: Callable[[ImportProgress], None] = lambda progress: None,
    ) -> ImportResult:
        if not path.is_file():
            raise InvalidInput(f"no mbox file at {path}")
        owner = (owner_email or guess_owner(read_mbox(path))).lower()
        if MailboxRef(workspace_id, ids.mailbox_id(owner)) in self._store.mailboxes_for_address(owner):
            raise Conflict(f"{owner} is connected to Gmail: its mail syncs from there already")
        ref = self._store.ensure_imported_mailbox(workspace_id=workspace_id, owner_uid=owner_uid, email=owner)
        run_id = self._store.start_run(ref, kind="import")
        progress = ImportProgress()
        for chunk in _chunks(read_mbox(path), BATCH_SIZE):
            messages = [to_fetched(raw) for raw in chunk]
            wanted = [m for m in messages if not self._excluded.intersection(m.label_ids)]
            progress.read += len(messages)
            progress.skipped += len(messages) - len(wanted)
            for batch in batches_for(
                wanted, workspace_id=workspace_id, mailbox_id=ref.mailbox_id, owner_email=owner, sync_run_id=run_id
            ):
                self._publish(batch)
            progress.published += len(wanted)
            on_progress(progress)
        self._store.finish_run(ref, run_id, listed=progress.read, fetched=progress.published)
        return ImportResult(ref, run_id, progress)


def _chunks(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
