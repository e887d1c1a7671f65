"""The embeddings of a workspace's mail, kept up to date by one resumable pass.

`workspaces/{ws}/mailEmbeddings/{interactionId}` holds the vector of a message's subject and visible
reply (`embedding`), the mailbox and time it needs for filtering (`mailboxId`, `occurredAt`), and the
fingerprint, model, tokens and cost of the call that made it. No client reads it (firestore.rules
name it nowhere): search answers through `MailSearch`, which applies the mailbox sharing levels. It is
deleted with the message's content (shared/sharing.py `delete_content`), so undone, blocked, purged and
erased mail leaves no vector behind.

The pass walks `interactions` by `createdAt` from the cursor in `mailIndex/state`, a little before it
(a commit may become visible just after a later one), and embeds what has no embedding of its current
text yet: running it twice, or over mail already embedded, calls no model. The first pass of a workspace
is its backfill; after that, ingestion's `contacts-to-enrich` message starts one for the new mail
(functions/index_mail.py). A pass stops at its deadline or when the AI budget runs out and leaves the
cursor where it got to, so the next pass (a Cloud Task the function enqueues, or the next mail) resumes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.vector import Vector

from shared.clients import firestore_client
from shared.errors import BudgetExceeded
from shared.log import get_logger
from shared.mailsearch.embeddings import Embedder, Embedding
from shared.sharing import BODY, EMBEDDING_DUE, SUBJECT, content_ref, embedding_ref

log = get_logger("mail_index")

STATE_COLLECTION, STATE_DOCUMENT = "mailIndex", "state"
FEATURE = "mail_embedding"
PAGE_SIZE = 50  # messages a page: one budget reservation, and one model call each
# How far before the cursor each pass starts again: mail committed just before the cursor's message
# may become visible after it. Re-read mail costs a read, never a model call.
CURSOR_OVERLAP = timedelta(minutes=2)
# One pass at a time per workspace; a pass that died frees its lease after this.
LEASE = timedelta(minutes=10)


def embedded_text(subject: str | None, snippet: str | None) -> str:
    """What a message is searched by: its subject and its visible reply (quotes and signature cut)."""
    return "\n".join(part for part in ((subject or "").strip(), (snippet or "").strip()) if part)


def indexable(interaction: dict[str, Any]) -> bool:
    """Mail with content of its own: not a stub, not undone, not automated or blocked."""
    return not interaction.get("undone") and not interaction.get("skipped") and bool(interaction.get("mailboxId"))


@dataclass
class IndexReport:
    read: int = 0
    embedded: int = 0
    unchanged: int = 0
    skipped: int = 0
    tokens: int = 0
    cost_micros: int = 0
    done: bool = False  # the pass reached the newest mail
    busy: bool = False  # another pass holds the lease
    over_budget: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "embedded": self.embedded,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "tokens": self.tokens,
            "costMicros": self.cost_micros,
            "done": self.done,
            "busy": self.busy,
            "overBudget": self.over_budget,
        }


class MailIndex:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        embedder: Embedder | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db or firestore_client()
        self._embedder = embedder
        self._now = now

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder()
        return self._embedder

    def state_ref(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.document("workspaces", workspace_id, STATE_COLLECTION, STATE_DOCUMENT)

    def catch_up(self, workspace_id: str, *, seconds: float = 240.0, page_size: int = PAGE_SIZE) -> IndexReport:
        """Embeds the workspace's mail from the cursor on, until done, `seconds` pass or the budget runs out."""
        report = IndexReport()
        started = self._now()
        if not self._claim(workspace_id, started):
            report.busy = True
            return report
        try:
            state = self.state_ref(workspace_id).get().to_dict() or {}
            cursor: datetime | None = state.get("cursorAt")
            since = cursor - CURSOR_OVERLAP if cursor else datetime(1970, 1, 1, tzinfo=UTC)
            interactions = self._db.collection("workspaces", workspace_id, "interactions")
            query = interactions.where(filter=FieldFilter("createdAt", ">=", since)).order_by("createdAt")
            last: firestore.DocumentSnapshot | None = None
            while True:
                page_query = query.start_after(last) if last is not None else query
                page = list(page_query.limit(page_size).stream())
                if not page:
                    report.done = True
                    break
                try:
                    self._index_page(workspace_id, page, report)
                except BudgetExceeded as error:
                    report.over_budget = True
                    log.warning("mail index stopped: over budget", extra={"workspaceId": workspace_id, **error.details})
                    break
                last = page[-1]
                self._advance(workspace_id, last.get("createdAt"))
                if len(page) < page_size:
                    report.done = True
                    break
                if (self._now() - started).total_seconds() > seconds:
                    break
            if report.done:
                report.done = self._embed_due(workspace_id, report, page_size)
        finally:
            self._release(workspace_id, report)
        return report

    def _embed_due(self, workspace_id: str, report: IndexReport, page_size: int) -> bool:
        """Interactions changed after the cursor passed them (an edited meeting: EMBEDDING_DUE), embedded
        again as any page is (no model call when the text is the same), then unmarked unless changed again
        since they were read. True when none is left; each is tried once a pass."""
        interactions = self._db.collection("workspaces", workspace_id, "interactions")
        query = interactions.where(filter=FieldFilter(EMBEDDING_DUE, "==", True)).limit(page_size)
        tried: set[str] = set()
        while True:
            page = [s for s in query.stream() if s.id not in tried]
            if not page:
                return True
            try:
                self._index_page(workspace_id, page, report)
            except BudgetExceeded as error:
                report.over_budget = True
                log.warning("mail index stopped: over budget", extra={"workspaceId": workspace_id, **error.details})
                return False
            for snapshot in page:
                tried.add(snapshot.id)
                option = self._db.write_option(last_update_time=snapshot.update_time)
                # Changed again meanwhile: it stays due, and the next pass embeds that version.
                with contextlib.suppress(exceptions.FailedPrecondition, exceptions.NotFound):
                    snapshot.reference.update({EMBEDDING_DUE: firestore.DELETE_FIELD}, option=option)

    def _index_page(self, workspace_id: str, page: list[firestore.DocumentSnapshot], report: IndexReport) -> None:
        report.read += len(page)
        candidates = [(s, s.to_dict() or {}) for s in page]
        candidates = [(s, data) for s, data in candidates if indexable(data)]
        report.skipped += len(page) - len(candidates)
        if not candidates:
            return
        wanted = [content_ref(s.reference, part) for s, _ in candidates for part in (SUBJECT, BODY)]
        content: dict[str, dict[str, Any]] = {}
        for part in self._db.get_all(wanted):
            if part.exists and part.reference.parent.parent is not None:
                content.setdefault(part.reference.parent.parent.id, {}).update(part.to_dict() or {})
        stored = {
            s.id: s.to_dict() or {}
            for s in self._db.get_all([embedding_ref(snapshot.reference) for snapshot, _ in candidates])
            if s.exists
        }
        due: list[tuple[firestore.DocumentSnapshot, dict[str, Any], str, str]] = []
        for snapshot, data in candidates:
            parts = content.get(snapshot.id) or {}
            text = embedded_text(parts.get("subject"), parts.get("snippet"))
            if not text:
                report.skipped += 1  # content gone (undone meanwhile) or empty: nothing to search by
                continue
            fingerprint = self.embedder.fingerprint(text)
            earlier = stored.get(snapshot.id, {})
            if earlier.get("fingerprint") == fingerprint:
                report.unchanged += 1
                if earlier.get("occurredAt") != data.get("occurredAt"):  # a meeting moved: filters see its new time
                    with contextlib.suppress(exceptions.NotFound):  # deleted with its content meanwhile
                        embedding_ref(snapshot.reference).update({"occurredAt": data.get("occurredAt")})
                continue
            due.append((snapshot, data, text, fingerprint))
        if not due:
            return
        embeddings = self.embedder.embed_many(
            workspace_id, [text for _, _, text, _ in due], task="RETRIEVAL_DOCUMENT", feature=FEATURE
        )
        batch = self._db.batch()
        for (snapshot, data, _, fingerprint), embedding in zip(due, embeddings, strict=True):
            batch.set(embedding_ref(snapshot.reference), self._document(data, fingerprint, embedding))
            report.embedded += 1
            report.tokens += embedding.usage.prompt_tokens
            report.cost_micros += embedding.usage.cost_micros
        batch.commit()
        # An undo or erasure racing this pass deletes the content (and the vector) first: mail whose
        # content went between our read and this write must not get its vector back.
        bodies = self._db.get_all([content_ref(snapshot.reference, BODY) for snapshot, _, _, _ in due])
        gone = [snapshot.reference.parent.parent for snapshot in bodies if not snapshot.exists]
        for interaction in gone:
            if interaction is not None and not content_ref(interaction, SUBJECT).get().exists:
                embedding_ref(interaction).delete()

    def _document(self, data: dict[str, Any], fingerprint: str, embedding: Embedding) -> dict[str, Any]:
        return {
            "embedding": Vector(embedding.vector),
            "mailboxId": data.get("mailboxId"),
            "occurredAt": data.get("occurredAt"),
            "fingerprint": fingerprint,
            "model": embedding.usage.model,
            "tokens": embedding.usage.prompt_tokens,
            "costMicros": embedding.usage.cost_micros,
            "embeddedAt": self._now(),
        }

    # -- the cursor and the lease ---------------------------------------------------------------------
    def _claim(self, workspace_id: str, now: datetime) -> bool:
        reference = self.state_ref(workspace_id)
        snapshot = reference.get()
        lease = (snapshot.to_dict() or {}).get("leaseUntil") if snapshot.exists else None
        if lease is not None and lease > now:
            return False
        try:
            if snapshot.exists:
                reference.update(
                    {"leaseUntil": now + LEASE}, option=self._db.write_option(last_update_time=snapshot.update_time)
                )
            else:
                reference.create({"leaseUntil": now + LEASE, "cursorAt": None, "createdAt": now})
        except (exceptions.FailedPrecondition, exceptions.AlreadyExists, exceptions.Conflict):
            return False  # another pass claimed it between our read and write
        return True

    def _advance(self, workspace_id: str, created_at: datetime | None) -> None:
        if created_at is not None:
            self.state_ref(workspace_id).update({"cursorAt": created_at, "updatedAt": self._now()})

    def _release(self, workspace_id: str, report: IndexReport) -> None:
        changes: dict[str, Any] = {"leaseUntil": None, "updatedAt": self._now(), "lastPass": report.summary()}
        changes["embedded"] = firestore.Increment(report.embedded)
        changes["costMicros"] = firestore.Increment(report.cost_micros)
        self.state_ref(workspace_id).update(changes)
