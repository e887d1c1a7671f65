"""Who knows a person or company, and the warm paths to them through the team, ranked with evidence.

Three kinds of path, each ending at a person (the target, or someone at the target company):
- `direct`: a teammate's own mailbox wrote with them (their per-member strength, decision 27);
- `via_contact`: a teammate knows someone who was on mail with them (the co-occurrence edges
  ingestion keeps on each contact), who can introduce;
- `colleague`: a teammate knows someone at the same company.

A path's score is the geometric mean of its links (a hop is as good as its weaker side, roughly), so a
strong teammate–connector tie does not hide a weak connector–target one. The work per query is
bounded whatever the workspace's size: the target, at most CANDIDATES connectors and colleagues,
and the mailboxes, read in a few batched reads; no interaction is read (evidence is the interaction
ids the sums keep).
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import Field, model_validator

from shared.clients import firestore_client
from shared.crm import member_strength
from shared.crm.answers import Answer
from shared.crm.models import ApiModel, RecordId
from shared.crm.relationships import epoch_ms
from shared.errors import NotFound

CANDIDATES = 15  # connectors and colleagues considered per query
COMPANY_ENTRY_PEOPLE = 5  # a company's strongest people whose edges are searched for connectors
COLLEAGUE_TIE = 30.0  # what working at the same company counts as a tie, when they never shared mail
HOP_PENALTY = 0.9  # an introduction costs a favour: a path through someone ranks below a direct one
# What a query reads of the people around the target: its sums, not its co-occurrence edges (the bulk of a
# busy contact), except of the people whose edges it follows.
PERSON_FIELDS = ["name", "email", "companyId", "mergedInto", "strength", member_strength.MEMBER_FIELD]
ENTRY_FIELDS = [*PERSON_FIELDS, member_strength.EDGES_FIELD]


class IntroTarget(ApiModel):
    """Whom to reach: the assistant's tool takes this as it is, the API with the workspace."""

    contact_id: RecordId | None = Field(default=None, description="The person to reach (a contact id).")
    company_id: RecordId | None = Field(default=None, description="Or the company to reach (its domain).")
    limit: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _one_target(self) -> IntroTarget:
        if (self.contact_id is None) == (self.company_id is None):
            raise ValueError("name exactly one of contactId and companyId")
        return self


class IntroQuery(IntroTarget):
    workspace_id: RecordId


class IntroPerson(Answer):
    id: str
    name: str | None = None
    email: str | None = None
    company_id: str | None = None


class Teammate(Answer):
    mailbox_id: str
    uid: str | None = None
    email: str | None = None


class Evidence(Answer):
    interaction_id: str
    at_ms: int
    link: Literal["teammate", "introducer"]


class MemberStrength(Answer):
    teammate: Teammate
    person: IntroPerson
    score: float
    trend: str
    reciprocity: float
    interactions: int
    last_ms: int
    last_interaction_id: str | None


class IntroPath(Answer):
    kind: Literal["direct", "via_contact", "colleague"]
    score: float
    teammate: Teammate
    via: IntroPerson | None = None  # who introduces
    to: IntroPerson  # whom the path reaches
    evidence: list[Evidence]


class IntroAnswer(Answer):
    target: IntroPerson | dict[str, Any]
    who_knows: list[MemberStrength]  # teammates with their own strength, strongest first
    paths: list[IntroPath]
    reads: int  # documents read to answer: bounded by the query, not by the workspace


@functools.cache
def pool() -> ThreadPoolExecutor:
    """Threads for a query's side-by-side reads: made once, on first use."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="intro-reads")


@dataclass(frozen=True)
class _Link:
    """One known tie from a teammate to a person."""

    person_id: str
    person: Mapping[str, Any]
    score: member_strength.MemberScore


class Reader:
    """Firestore reads that count themselves (the bench reports them)."""

    def __init__(self, db: firestore.Client, workspace_id: str) -> None:
        self.workspace = db.collection("workspaces").document(workspace_id)
        self._db = db
        self._lock = threading.Lock()
        self.reads = 0

    def count(self, reads: int) -> None:
        with self._lock:
            self.reads += reads

    def get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        self.count(1)
        snapshot = self.workspace.collection(collection).document(doc_id).get()
        return (snapshot.to_dict() or {}) if snapshot.exists else None

    def get_all(self, collection: str, doc_ids: Iterable[str], fields: list[str]) -> dict[str, dict[str, Any]]:
        refs = [self.workspace.collection(collection).document(i) for i in sorted(set(doc_ids))]
        if not refs:
            return {}
        found = {s.id: s.to_dict() or {} for s in self._db.get_all(refs, field_paths=fields) if s.exists}
        self.count(len(refs))
        return found

    def query(self, query: firestore.Query) -> dict[str, dict[str, Any]]:
        found = {s.id: s.to_dict() or {} for s in query.stream()}
        self.count(max(len(found), 1))  # an empty query is billed as one read
        return found


class IntroPaths:
    def __init__(
        self, *, db: firestore.Client | None = None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._db = db or firestore_client()
        self._now = now

    def find(self, query: IntroQuery) -> dict[str, Any]:
        """Reads in two rounds, each's reads side by side: the target (and the mailboxes, and a company's
        people), then its colleagues and its connectors."""
        reader = Reader(self._db, query.workspace_id)
        now_ms = epoch_ms(self._now())
        reads = pool()
        mailboxes_read = reads.submit(teammates, reader)
        colleagues_read: Future[dict[str, dict[str, Any]]] | None = None
        if query.contact_id is not None:
            target_id, target = self._contact(reader, query.contact_id)
            entry_people = {target_id: target}
            colleagues_read = reads.submit(
                self._people_at, reader, target.get("companyId"), exclude={target_id}, fields=PERSON_FIELDS
            )
            shown: dict[str, Any] = person_of(target_id, target).model_dump(by_alias=True)
        else:
            company_read = reads.submit(reader.get, "companies", str(query.company_id))
            entry_people = self._people_at(reader, query.company_id, exclude=set(), fields=ENTRY_FIELDS)
            company = company_read.result()
            if company is None:
                raise NotFound(f"no company {query.company_id}")
            shown = {"id": query.company_id, "name": company.get("name"), "domain": company.get("domain")}
        connectors = self._connectors(reader, entry_people, now_ms)
        colleagues = colleagues_read.result() if colleagues_read is not None else {}
        mailboxes = mailboxes_read.result()

        direct = [link for pid, p in entry_people.items() for link in _links(pid, p, now_ms)]
        paths = [self._direct(link, mailboxes) for link in direct]
        for target_id, edge, connector_id, connector in connectors:
            tie = member_strength.edge_score(edge, now_ms)
            for link in _links(connector_id, connector, now_ms):
                reached = (target_id, entry_people[target_id])
                paths.append(self._through("via_contact", link, reached, edge, tie, mailboxes))
        for colleague_id, colleague in colleagues.items():
            (target_id,) = entry_people
            edge = ((entry_people[target_id].get(member_strength.EDGES_FIELD) or {}).get(colleague_id)) or {}
            # Working at the same company is a tie of its own; mail they were both on can make it stronger.
            tie = max(COLLEAGUE_TIE, member_strength.edge_score(edge, now_ms)) if edge else COLLEAGUE_TIE
            for link in _links(colleague_id, colleague, now_ms):
                reached = (target_id, entry_people[target_id])
                paths.append(self._through("colleague", link, reached, edge, tie, mailboxes))
        ranked = _best_per_route(paths)[: query.limit]
        who_knows = [
            MemberStrength(
                teammate=_teammate(link.score.mailbox_id, mailboxes),
                person=person_of(link.person_id, link.person),
                score=link.score.score,
                trend=link.score.trend,
                reciprocity=link.score.reciprocity,
                interactions=link.score.interactions,
                last_ms=link.score.last_ms,
                last_interaction_id=link.score.last_interaction_id,
            )
            for link in sorted(direct, key=lambda link: -link.score.score)
        ]
        answer = IntroAnswer(target=shown, who_knows=who_knows, paths=ranked, reads=reader.reads)
        return answer.model_dump(by_alias=True, mode="json")

    # -- reading --------------------------------------------------------------------------------
    @staticmethod
    def _contact(reader: Reader, contact_id: str) -> tuple[str, dict[str, Any]]:
        contact = reader.get("contacts", contact_id)
        if contact is not None and contact.get("mergedInto"):  # an alias: the contact it became
            contact_id = str(contact["mergedInto"])
            contact = reader.get("contacts", contact_id)
        if contact is None:
            raise NotFound(f"no contact {contact_id}")
        return contact_id, contact

    @staticmethod
    def _people_at(
        reader: Reader, company_id: Any, *, exclude: set[str], fields: list[str]
    ) -> dict[str, dict[str, Any]]:
        """A company's strongest people (by the team's strength): one bounded query."""
        if not company_id:
            return {}
        query = (
            reader.workspace.collection("contacts")
            .where(filter=FieldFilter("companyId", "==", str(company_id)))
            .order_by("strength.score", direction=firestore.Query.DESCENDING)
            .limit(CANDIDATES + len(exclude))
            .select(fields)
        )
        found = reader.query(query)
        return {i: p for i, p in found.items() if i not in exclude and not p.get("mergedInto")}

    @staticmethod
    def _connectors(
        reader: Reader, entry_people: Mapping[str, Mapping[str, Any]], now_ms: int
    ) -> list[tuple[str, Mapping[str, Any], str, dict[str, Any]]]:
        """(entry person, edge, connector id, connector) for the strongest edges of the entry people."""
        strongest = sorted(
            entry_people.items(), key=lambda item: -float((item[1].get("strength") or {}).get("score") or 0)
        )[:COMPANY_ENTRY_PEOPLE]
        edges = [
            (member_strength.edge_score(edge, now_ms), person_id, edge, other_id)
            for person_id, person in strongest
            for other_id, edge in (person.get(member_strength.EDGES_FIELD) or {}).items()
            if other_id not in entry_people
        ]
        edges.sort(key=lambda item: -item[0])
        chosen = edges[:CANDIDATES]
        found = reader.get_all("contacts", (other for *_, other in chosen), PERSON_FIELDS)
        return [
            (person_id, edge, other_id, found[other_id])
            for _, person_id, edge, other_id in chosen
            if other_id in found and not found[other_id].get("mergedInto")
        ]

    # -- paths ----------------------------------------------------------------------------------
    @staticmethod
    def _direct(link: _Link, mailboxes: Mapping[str, Teammate]) -> IntroPath:
        return IntroPath(
            kind="direct",
            score=link.score.score,
            teammate=_teammate(link.score.mailbox_id, mailboxes),
            to=person_of(link.person_id, link.person),
            evidence=_evidence(link.score.last_interaction_id, link.score.last_ms, "teammate"),
        )

    @staticmethod
    def _through(
        kind: Literal["via_contact", "colleague"],
        link: _Link,
        target: tuple[str, Mapping[str, Any]],
        edge: Mapping[str, Any],
        tie: float,
        mailboxes: Mapping[str, Teammate],
    ) -> IntroPath:
        """A teammate's tie to an introducer, then the introducer's `tie` to the person."""
        return IntroPath(
            kind=kind,
            score=_hop(link.score.score, tie),
            teammate=_teammate(link.score.mailbox_id, mailboxes),
            via=person_of(link.person_id, link.person),
            to=person_of(*target),
            evidence=_two_sided(link, edge),
        )


def _links(person_id: str, person: Mapping[str, Any], now_ms: int) -> list[_Link]:
    return [
        _Link(person_id, person, score) for score in member_strength.member_scores(person, now_ms) if score.score > 0
    ]


def _hop(first: float, second: float) -> float:
    return round(HOP_PENALTY * math.sqrt(max(first, 0.0) * max(second, 0.0)), 1)


def _best_per_route(paths: list[IntroPath]) -> list[IntroPath]:
    """The strongest path per (teammate, introducer, person), strongest first."""
    best: dict[tuple[str, str | None, str], IntroPath] = {}
    for path in paths:
        key = (path.teammate.mailbox_id, path.via.id if path.via else None, path.to.id)
        if key not in best or path.score > best[key].score:
            best[key] = path
    return sorted(best.values(), key=lambda path: (-path.score, path.kind != "direct", path.teammate.mailbox_id))


def person_of(person_id: str, person: Mapping[str, Any]) -> IntroPerson:
    return IntroPerson(
        id=person_id, name=person.get("name"), email=person.get("email"), company_id=person.get("companyId")
    )


def teammates(reader: Reader) -> dict[str, Teammate]:
    """The workspace's mailboxes, each its owner's: who a per-member strength belongs to."""
    return {
        mailbox_id: Teammate(mailbox_id=mailbox_id, uid=mailbox.get("ownerUid"), email=mailbox.get("email"))
        for mailbox_id, mailbox in reader.query(reader.workspace.collection("mailboxes")).items()
    }


def _teammate(mailbox_id: str, mailboxes: Mapping[str, Teammate]) -> Teammate:
    return mailboxes.get(mailbox_id) or Teammate(mailbox_id=mailbox_id)


def _two_sided(link: _Link, edge: Mapping[str, Any]) -> list[Evidence]:
    """The teammate's newest mail with the introducer, and the newest the introducer and the person were
    both on; one message when it is both (the introducer wrote to the teammate copying the person)."""
    shared = _evidence(edge.get("lastId"), int(edge.get("lastMs") or 0), "introducer")
    own = _evidence(link.score.last_interaction_id, link.score.last_ms, "teammate")
    return [e for e in own if e.interaction_id not in {s.interaction_id for s in shared}] + shared


def _evidence(interaction_id: Any, at_ms: int, link: Literal["teammate", "introducer"]) -> list[Evidence]:
    return [Evidence(interaction_id=str(interaction_id), at_ms=at_ms, link=link)] if interaction_id else []
