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
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import Field, model_validator

from shared.clients import firestore_client
from shared.crm import intro_via, member_strength
from shared.crm.answers import Answer
from shared.crm.intro_via import CANDIDATES, PERSON_FIELDS
from shared.crm.models import ApiModel, RecordId
from shared.crm.relationships import epoch_ms
from shared.errors import NotFound

COLLEAGUE_TIE = 30.0  # what working at the same company counts as a tie, when they never shared mail
HOP_PENALTY = 0.9  # an introduction costs a favour: a path through someone ranks below a direct one
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


# (entry person id, edge, connector id, connector); (colleague id, colleague, edge to the target or {})
_Connector = tuple[str, Mapping[str, Any], str, Mapping[str, Any]]
_Colleague = tuple[str, Mapping[str, Any], Mapping[str, Any]]


@dataclass(frozen=True)
class _Around:
    """The target as shown, the people a path may end at, and who can introduce them."""

    shown: dict[str, Any]
    entry_people: Mapping[str, Mapping[str, Any]]
    connectors: Sequence[_Connector]
    colleagues: Sequence[_Colleague]


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

    def get(self, collection: str, doc_id: str, fields: list[str] | None = None) -> dict[str, Any] | None:
        return self.read(self.workspace.collection(collection).document(doc_id), fields)

    def read(self, reference: firestore.DocumentReference, fields: list[str] | None = None) -> dict[str, Any] | None:
        self.count(1)
        snapshot = reference.get(field_paths=fields)
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
        self,
        *,
        db: firestore.Client | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        read_copies: bool = True,
    ) -> None:
        self._db = db or firestore_client()
        self._now = now
        # False reads the people around a target live, as before the refresh kept copies: the bench's baseline.
        self._read_copies = read_copies

    def find(self, query: IntroQuery) -> dict[str, Any]:
        """One round of reads, side by side: the target, the people around it that the stats refresh copied
        for it (shared/crm/intro_via.py), a company's strongest people, and the mailboxes. A target not
        refreshed since those copies were kept has them read live, in more rounds."""
        reader = Reader(self._db, query.workspace_id)
        now_ms = epoch_ms(self._now())
        mailboxes_read = pool().submit(teammates, reader)
        if query.contact_id is not None:
            around = self._around_contact(reader, query.contact_id, now_ms)
        else:
            around = self._around_company(reader, str(query.company_id), now_ms)
        mailboxes = mailboxes_read.result()
        entry_people = around.entry_people

        direct = [link for pid, p in entry_people.items() for link in _links(pid, p, now_ms)]
        paths = [self._direct(link, mailboxes) for link in direct]
        for target_id, edge, connector_id, connector in around.connectors:
            tie = member_strength.edge_score(edge, now_ms)
            for link in _links(connector_id, connector, now_ms):
                reached = (target_id, entry_people[target_id])
                paths.append(self._through("via_contact", link, reached, edge, tie, mailboxes))
        for colleague_id, colleague, edge in around.colleagues:
            (target_id,) = entry_people
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
            # Ties broken by ids, so the order never depends on how the people were read (copies or a query).
            for link in sorted(direct, key=lambda link: (-link.score.score, link.score.mailbox_id, link.person_id))
        ]
        answer = IntroAnswer(target=around.shown, who_knows=who_knows, paths=ranked, reads=reader.reads)
        return answer.model_dump(by_alias=True, mode="json")

    # -- reading --------------------------------------------------------------------------------
    def _copies(self, reader: Reader, collection: str, doc_id: str) -> Future[dict[str, Any] | None]:
        """The people around a contact or company the stats refresh copied (shared/crm/intro_via.py), read
        beside the record itself."""
        return pool().submit(reader.read, intro_via.reference(reader.workspace.collection(collection).document(doc_id)))

    def _around_contact(self, reader: Reader, contact_id: str, now_ms: int) -> _Around:
        copies_read = self._copies(reader, "contacts", contact_id) if self._read_copies else None
        target_id, target = self._contact(reader, contact_id, PERSON_FIELDS if self._read_copies else ENTRY_FIELDS)
        shown = person_of(target_id, target).model_dump(by_alias=True)
        copied = copies_read.result() if copies_read is not None else None
        if self._read_copies and target_id != contact_id:  # an alias: the copies of the contact it became
            copied = self._copies(reader, "contacts", target_id).result()
        if copied is not None:
            return _Around(
                shown,
                {target_id: target},
                [(c["to"], c.get("edge") or {}, c["id"], c) for c in copied.get("connectors") or []],
                [(c["id"], c, c.get("edge") or {}) for c in copied.get("colleagues") or []],
            )
        # No copies yet: its edges, then its colleagues and the people its edges reach, read live.
        if self._read_copies:
            target = reader.get("contacts", target_id, ENTRY_FIELDS) or target
        colleagues_read = pool().submit(
            self._people_at, reader, target.get("companyId"), exclude={target_id}, fields=PERSON_FIELDS
        )
        connectors = self._connectors(reader, {target_id: target}, now_ms)
        edges = target.get(member_strength.EDGES_FIELD) or {}
        colleagues = [(i, p, edges.get(i) or {}) for i, p in colleagues_read.result().items()]
        return _Around(shown, {target_id: target}, connectors, colleagues)

    def _around_company(self, reader: Reader, company_id: str, now_ms: int) -> _Around:
        company_read = pool().submit(reader.get, "companies", company_id, ["name", "domain"])
        copied = self._copies(reader, "companies", company_id).result() if self._read_copies else None
        entry_people = intro_via.copied_people(copied)
        if entry_people is None:  # no copy of its people yet: they are read live (the query scans on the emulator)
            fields = PERSON_FIELDS if copied is not None else ENTRY_FIELDS
            entry_people = self._people_at(reader, company_id, exclude=set(), fields=fields)
        company = company_read.result()
        if company is None:
            raise NotFound(f"no company {company_id}")
        shown = {"id": company_id, "name": company.get("name"), "domain": company.get("domain")}
        if copied is None:  # no copies yet: its people's edges, then whom they reach, read live
            return _Around(shown, entry_people, self._connectors(reader, entry_people, now_ms), [])
        connectors = [
            (c["to"], c.get("edge") or {}, c["id"], c)
            for c in copied.get("connectors") or []
            # Copied when the company's strongest people were these; a person since gone is nobody's way in.
            if c.get("to") in entry_people and c["id"] not in entry_people
        ]
        return _Around(shown, entry_people, connectors, [])

    @staticmethod
    def _contact(reader: Reader, contact_id: str, fields: list[str]) -> tuple[str, dict[str, Any]]:
        contact = reader.get("contacts", contact_id, fields)
        if contact is not None and contact.get("mergedInto"):  # an alias: the contact it became
            contact_id = str(contact["mergedInto"])
            contact = reader.get("contacts", contact_id, fields)
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
    def _connectors(reader: Reader, entry_people: Mapping[str, Mapping[str, Any]], now_ms: int) -> list[_Connector]:
        """(entry person, edge, connector id, connector) for the strongest edges of the entry people."""
        chosen = intro_via.strongest_edges(entry_people, now_ms)
        found = reader.get_all("contacts", (other for *_, other in chosen), PERSON_FIELDS)
        return [
            (person_id, edge, other_id, found[other_id])
            for person_id, edge, other_id in chosen
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
    return sorted(
        best.values(),
        key=lambda p: (-p.score, p.kind != "direct", p.teammate.mailbox_id, p.via.id if p.via else "", p.to.id),
    )


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
