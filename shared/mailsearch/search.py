"""Mail by meaning, as one reader may see it: GET /mail-search and the assistant's `search_mail` tool.

Only mailboxes whose body the reader may read take part (their own, and teammates' that share
`everything`, decision 19): the vector query is filtered to them before it ranks, so a message the
reader may not read is never among the results, not even as a rank. The level is read at every search,
so a change applies at once. Results are then checked against the live interaction (staged, undone or
forgotten mail drops out) and their text read through `MailContent`, the same table the timeline uses.
With a contact or company, the candidates are that record's mail (its current links, merges included),
ranked by the same distance in memory.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
from google.cloud.firestore_v1.vector import Vector
from pydantic import Field, StringConstraints

from shared.clients import firestore_client
from shared.crm.answers import Answer
from shared.crm.audit import jsonable
from shared.crm.models import ApiModel, RecordId, Text
from shared.mailsearch.embeddings import Embedder
from shared.sharing import BODY, EMBEDDINGS, MailContent, readable_parts

FEATURE = "mail_search"
IN_LIMIT = 30  # values one `in` filter may take
# Results that fail the live check (staged, undone) are replaced from these spare candidates.
OVERFETCH = 3
MAX_CANDIDATES = 100
DISTANCE_FIELD = "distance"  # where the vector query puts each result's cosine distance
RECORD_MAIL_LIMIT = 500  # a contact's or company's newest messages ranked when one is named


class MailSearchQuery(ApiModel):
    workspace_id: RecordId
    q: Annotated[Text, StringConstraints(min_length=1, max_length=500)] = Field(
        description="What the mail is about, in plain words (it is matched by meaning, not by exact words)."
    )
    contact_id: RecordId | None = Field(default=None, description="Only mail with this contact.")
    company_id: RecordId | None = Field(default=None, description="Only mail with this company.")
    after: date | None = Field(default=None, description="Only mail on or after this day (YYYY-MM-DD).")
    before: date | None = Field(default=None, description="Only mail before this day (YYYY-MM-DD).")
    k: int = Field(default=5, ge=1, le=20, description="How many messages to return.")


@dataclass(frozen=True)
class MailHit:
    interaction_id: str
    score: float
    interaction: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        data = self.interaction
        return {
            "interactionId": self.interaction_id,
            "score": round(self.score, 4),
            "occurredAt": jsonable(data.get("occurredAt")),
            "direction": data.get("direction"),
            "fromEmail": data.get("fromEmail"),
            "subject": data.get("subject"),
            "snippet": data.get("snippet"),
            "contactIds": data.get("contactIds") or [],
            "companyIds": data.get("companyIds") or [],
            "mailboxId": data.get("mailboxId"),
        }


class MailSearch:
    def __init__(self, *, db: firestore.Client | None = None, embedder: Embedder | None = None) -> None:
        self._db = db or firestore_client()
        self._embedder = embedder

    def search(self, query: MailSearchQuery, *, reader_uid: str) -> list[MailHit]:
        workspace = self._db.collection("workspaces").document(query.workspace_id)
        mailboxes = {snapshot.id: snapshot.to_dict() or {} for snapshot in workspace.collection("mailboxes").stream()}
        readable = _with_body(mailboxes, reader_uid)
        if not readable:
            return []  # nothing the reader may read: no model call either
        embedder = self._embedder or Embedder()
        vector = embedder.embed(query.workspace_id, query.q, task="RETRIEVAL_QUERY", feature=FEATURE).vector
        wanted = min(query.k * OVERFETCH, MAX_CANDIDATES)
        if query.contact_id or query.company_id:
            ranked = self._rank_record_mail(workspace, query, readable, vector, wanted)
        else:
            ranked = self._nearest(workspace, query, readable, vector, wanted)
        # The best k are checked first; the spares are read only when some of those drop out.
        hits = self._visible(query.workspace_id, ranked[: query.k], reader_uid, mailboxes)
        if len(hits) < query.k and len(ranked) > query.k:
            hits += self._visible(query.workspace_id, ranked[query.k :], reader_uid, mailboxes)
        return hits[: query.k]

    def _nearest(
        self,
        workspace: firestore.DocumentReference,
        query: MailSearchQuery,
        readable: Sequence[str],
        vector: list[float],
        wanted: int,
    ) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        for start in range(0, len(readable), IN_LIMIT):
            chunk = list(readable[start : start + IN_LIMIT])
            candidates = workspace.collection(EMBEDDINGS).where(filter=FieldFilter("mailboxId", "in", chunk))
            if query.after:
                candidates = candidates.where(filter=FieldFilter("occurredAt", ">=", _day_start(query.after)))
            if query.before:
                candidates = candidates.where(filter=FieldFilter("occurredAt", "<", _day_start(query.before)))
            # Only the distance comes back (a field mask must name the distance field): not each document's
            # vector and bookkeeping, which nothing after the ranking reads.
            nearest = candidates.select([DISTANCE_FIELD]).find_nearest(
                vector_field="embedding",
                query_vector=Vector(vector),
                distance_measure=DistanceMeasure.COSINE,
                limit=wanted,
                distance_result_field=DISTANCE_FIELD,
            )
            found.extend((s.id, 1.0 - float(s.get(DISTANCE_FIELD))) for s in nearest.stream())
        return sorted(found, key=lambda hit: -hit[1])[:wanted]

    def _rank_record_mail(
        self,
        workspace: firestore.DocumentReference,
        query: MailSearchQuery,
        readable: Sequence[str],
        vector: list[float],
        wanted: int,
    ) -> list[tuple[str, float]]:
        field, value = ("contactIds", query.contact_id) if query.contact_id else ("companyIds", query.company_id)
        mail = (
            workspace.collection("interactions")
            .where(filter=FieldFilter(field, "array_contains", value))
            .where(filter=FieldFilter("staged", "==", False))
            .order_by("occurredAt", direction=firestore.Query.DESCENDING)
            .select(["mailboxId", "occurredAt"])
            .limit(RECORD_MAIL_LIMIT)
        )
        allowed = set(readable)
        ids = [
            snapshot.id
            for snapshot in mail.stream()
            if snapshot.get("mailboxId") in allowed and _within(snapshot.get("occurredAt"), query)
        ]
        references = [workspace.collection(EMBEDDINGS).document(i) for i in ids]
        scored = [
            (snapshot.id, _cosine(vector, list(snapshot.get("embedding"))))
            for snapshot in (self._db.get_all(references, field_paths=["embedding"]) if references else ())
            if snapshot.exists
        ]
        return sorted(scored, key=lambda hit: -hit[1])[:wanted]

    def _visible(
        self,
        workspace_id: str,
        ranked: list[tuple[str, float]],
        reader_uid: str,
        mailboxes: Mapping[str, Mapping[str, Any]],
    ) -> list[MailHit]:
        """The ranked messages that are live and whose text the reader may see, in rank order."""
        if not ranked:
            return []
        workspace = self._db.collection("workspaces").document(workspace_id)
        snapshots = self._db.get_all([workspace.collection("interactions").document(i) for i, _ in ranked])
        found = [{"id": s.id, **(s.to_dict() or {})} for s in snapshots if s.exists]
        live = [i for i in found if i.get("staged") is False and not i.get("undone") and not i.get("skipped")]
        content = MailContent(db=self._db)
        shown = {i["id"]: i for i in content.attach(workspace_id, live, reader_uid=reader_uid, mailboxes=mailboxes)}
        return [
            MailHit(interaction_id, score, shown[interaction_id])
            for interaction_id, score in ranked
            if interaction_id in shown and shown[interaction_id].get("snippet") is not None
        ]


def _with_body(mailboxes: Mapping[str, Mapping[str, Any]], reader_uid: str) -> list[str]:
    """The mailboxes whose message bodies `reader_uid` may read, as firestore.rules decide it."""
    return sorted(i for i, mailbox in mailboxes.items() if BODY in readable_parts(mailbox, reader_uid))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _within(at: datetime | None, query: MailSearchQuery) -> bool:
    if at is None:
        return False
    if query.after and at < _day_start(query.after):
        return False
    return not (query.before and at >= _day_start(query.before))


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class MailHitAnswer(Answer):
    interaction_id: str
    score: float
    occurred_at: str | None = None
    subject: str | None = None
    snippet: str | None = None
    contact_ids: list[str] = Field(default_factory=list)


class MailHits(Answer):
    items: list[MailHitAnswer]
