"""The team map: each teammate's strongest relationships, for the whole workspace or within one company or deal.

Each teammate's list is one query sorted on the `memberScores.{mailboxId}` the stats refresh writes
(decision 27), read side by side; within a company or a deal the people are few, so they are read once
and ranked per teammate in memory. Scores are recomputed from the sums at read time, so the order a
query returns is corrected for mail since the last refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import Field, model_validator

from shared.clients import firestore_client
from shared.crm import member_strength
from shared.crm.answers import Answer
from shared.crm.intros import PERSON_FIELDS, IntroPerson, Reader, Teammate, person_of, pool, teammates
from shared.crm.models import ApiModel, RecordId
from shared.crm.relationships import epoch_ms
from shared.errors import NotFound

COMPANY_PEOPLE = 200  # a company's people ranked in memory


class TeamMapQuery(ApiModel):
    workspace_id: RecordId
    company_id: RecordId | None = Field(default=None, description="Only people at this company (its domain).")
    deal_id: RecordId | None = Field(default=None, description="Only the people and company of this deal.")
    limit: int = Field(default=10, ge=1, le=50, description="Relationships per teammate.")

    @model_validator(mode="after")
    def _one_filter(self) -> TeamMapQuery:
        if self.company_id is not None and self.deal_id is not None:
            raise ValueError("filter by a company or by a deal, not both")
        return self


class Relationship(Answer):
    person: IntroPerson
    score: float
    trend: str
    last_ms: int


class MemberRelationships(Answer):
    teammate: Teammate
    relationships: list[Relationship]


class TeamMapAnswer(Answer):
    members: list[MemberRelationships]
    reads: int


class TeamMap:
    def __init__(
        self, *, db: firestore.Client | None = None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._db = db or firestore_client()
        self._now = now

    def of(self, query: TeamMapQuery) -> dict[str, Any]:
        now = epoch_ms(self._now())
        reader = Reader(self._db, query.workspace_id)
        mailboxes = teammates(reader)
        if query.company_id is None and query.deal_id is None:
            contacts = reader.workspace.collection("contacts")
            reads = {
                mailbox_id: pool().submit(
                    reader.query,
                    contacts.order_by(f"{member_strength.SCORES_FIELD}.`{mailbox_id}`", direction="DESCENDING")
                    .limit(query.limit)
                    .select(PERSON_FIELDS),
                )
                for mailbox_id in mailboxes
            }
            people_of = {mailbox_id: read.result() for mailbox_id, read in reads.items()}
        else:
            people = self._people(reader, query)
            people_of = {mailbox_id: people for mailbox_id in mailboxes}
        members = [
            MemberRelationships(
                teammate=teammate, relationships=_ranked(mailbox_id, people_of[mailbox_id], now, query.limit)
            )
            for mailbox_id, teammate in sorted(mailboxes.items(), key=lambda item: item[1].email or item[0])
        ]
        return TeamMapAnswer(members=members, reads=reader.reads).model_dump(by_alias=True, mode="json")

    @staticmethod
    def _people(reader: Reader, query: TeamMapQuery) -> dict[str, dict[str, Any]]:
        company_id, contact_ids = query.company_id, []
        if query.deal_id is not None:
            deal = reader.get("deals", query.deal_id)
            if deal is None:
                raise NotFound(f"no deal {query.deal_id}")
            company_id, contact_ids = deal.get("companyId"), list(deal.get("contactIds") or [])
        people = reader.get_all("contacts", contact_ids, PERSON_FIELDS)
        if company_id:
            at_company = (
                reader.workspace.collection("contacts")
                .where(filter=FieldFilter("companyId", "==", str(company_id)))
                .limit(COMPANY_PEOPLE)
                .select(PERSON_FIELDS)
            )
            people |= reader.query(at_company)
        return {i: p for i, p in people.items() if not p.get("mergedInto")}


def _ranked(mailbox_id: str, people: dict[str, dict[str, Any]], now_ms: int, limit: int) -> list[Relationship]:
    rows = []
    for person_id, person in people.items():
        sums = (person.get(member_strength.MEMBER_FIELD) or {}).get(mailbox_id)
        if not sums:
            continue
        score = member_strength.member_score(mailbox_id, sums, now_ms)
        if score.score > 0:
            rows.append(
                Relationship(
                    person=person_of(person_id, person), score=score.score, trend=score.trend, last_ms=score.last_ms
                )
            )
    return sorted(rows, key=lambda row: (-row.score, row.person.id))[:limit]
