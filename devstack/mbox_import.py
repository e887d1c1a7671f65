"""`./rapport import-mbox`: a Google Takeout mbox fed through the same pipeline as Gmail sync, as batches on
mail-fetched. A development tool: the product's own Takeout upload is not built on it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from devstack.takeout import read_mbox
from shared import ids
from shared.errors import Conflict, InvalidInput
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.sync import publish_batch
from shared.pipeline.fetched import FetchedBatch, batches_for
from shared.settings import Settings, get_settings
from shared.takeout import mbox
from shared.takeout.mbox import to_fetched

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


def guess_owner(messages: Iterable[bytes]) -> str:
    """The address most of the mailbox's Sent mail comes from."""
    owner = mbox.guess_owner(messages)
    if owner is None:
        raise InvalidInput("no Sent mail in this mbox to tell whose it is; name the owner's address")
    return owner


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
        for chunk in mbox.batched(read_mbox(path), BATCH_SIZE):
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
