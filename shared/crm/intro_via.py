"""The people an introduction query ranks through, copied onto the contact or company it is asked about.

An intro query (shared/crm/intros.py) needs the target and, for each path, the introducer's per-member sums:
the people the target's strongest co-occurrence edges reach (connectors) and its company's strongest people
(colleagues). Read live, that is a second round of reads after the target's. The stats refresh, which runs
after a contact's mail is stored and nightly for everyone, reads each company's people anyway: it copies
those people's sums, with the edges that tie them to the target, into the contact's `introVia/current` (and,
for a company, the connectors of its strongest people into the company's), so that a query is one round of
reads: the target and its copies side by side.

Forward-decayed sums decay exactly at read time (decision 27), so a copy is stale only by mail with the
introducer since the target's last refresh: at most a day, as the nightly refresh recopies every contact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from google.cloud.firestore_v1.base_query import FieldFilter

from shared.crm import member_strength

COLLECTION, DOCUMENT = "introVia", "current"  # contacts/{id}/introVia/current, companies/{domain}/introVia/current
CANDIDATES = 15  # connectors and colleagues considered per query
COMPANY_ENTRY_PEOPLE = 5  # a company's strongest people whose edges are searched for connectors
# What is read, and copied, of the people around a target: its sums, not its co-occurrence edges (the bulk of
# a busy contact), except of the people whose edges a query follows.
PERSON_FIELDS = ["name", "email", "companyId", "mergedInto", "strength", member_strength.MEMBER_FIELD]
COPIED_FIELDS = ["name", "email", "companyId", member_strength.MEMBER_FIELD]

Person = Mapping[str, Any]
# (entry person id, edge, connector id): an entry person's co-occurrence edge to someone who can introduce.
EdgeChoice = tuple[str, Mapping[str, Any], str]


def reference(record: Any) -> Any:
    """Where a contact's or company's copies live: a document of their own under it, so that whoever reads the
    record (the web app, the API) does not download them, and clients never read them (firestore.rules)."""
    return record.collection(COLLECTION).document(DOCUMENT)


def team_strength(person: Person) -> float:
    return float((person.get("strength") or {}).get("score") or 0.0)


def strongest_people(people: Mapping[str, Person], *, exclude: Iterable[str] = (), limit: int = CANDIDATES) -> dict:
    """A company's strongest people by the team's strength, as a query does it: the `limit` (plus one per
    excluded person) strongest, ordered by score then id, then the excluded and aliases left out."""
    skipped = set(exclude)
    ranked = sorted(
        ((i, p) for i, p in people.items() if "strength" in p), key=lambda item: (-team_strength(item[1]), item[0])
    )
    return {i: p for i, p in ranked[: limit + len(skipped)] if i not in skipped and not p.get("mergedInto")}


def strongest_edges(entry_people: Mapping[str, Person], now_ms: int) -> list[EdgeChoice]:
    """The CANDIDATES strongest edges from the entry people (a company's strongest few) to people outside them,
    ties in the (rounded) score broken by ids, so that the order never depends on how a map was read. Every
    edge decays at the same rate, so this order is the same at any later instant."""
    strongest = sorted(entry_people.items(), key=lambda item: (-team_strength(item[1]), item[0]))
    edges = [
        (member_strength.edge_score(edge, now_ms), person_id, other_id, edge)
        for person_id, person in strongest[:COMPANY_ENTRY_PEOPLE]
        for other_id, edge in (person.get(member_strength.EDGES_FIELD) or {}).items()
        if other_id not in entry_people
    ]
    edges.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [(person_id, edge, other_id) for _, person_id, other_id, edge in edges[:CANDIDATES]]


def _copy(person_id: str, person: Person, **extra: Any) -> dict[str, Any]:
    return {"id": person_id, **{name: person[name] for name in COPIED_FIELDS if name in person}, **extra}


def contact_copy(
    target: Person,
    colleagues: Mapping[str, Person],
    connectors: Iterable[tuple[EdgeChoice, Person]],
    now_ms: int,
) -> dict[str, Any]:
    """`introVia` for a contact: its colleagues (each with the edge to it, if any) and its connectors."""
    edges = target.get(member_strength.EDGES_FIELD) or {}
    return {
        "asOfMs": now_ms,
        "colleagues": [_copy(i, p, edge=dict(edges[i])) if i in edges else _copy(i, p) for i, p in colleagues.items()],
        "connectors": [
            _copy(other_id, connector, edge=dict(edge), to=person_id)
            for (person_id, edge, other_id), connector in connectors
            if not connector.get("mergedInto")
        ],
    }


def company_copy(
    people: Mapping[str, Person], connectors: Iterable[tuple[EdgeChoice, Person]], now_ms: int
) -> dict[str, Any]:
    """`introVia` for a company: its strongest people (`strongest_people`, strongest first) and their connectors."""
    return {
        "asOfMs": now_ms,
        "people": [_copy(i, p) for i, p in people.items()],
        "connectors": [
            _copy(other_id, connector, edge=dict(edge), to=person_id)
            for (person_id, edge, other_id), connector in connectors
            if not connector.get("mergedInto")
        ],
    }


def copied_people(copy: Mapping[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    """A company's strongest people as its copy holds them, by id, strongest first; None when there is no copy
    or it was written before copies held them (the query then reads them live)."""
    if copy is None or "people" not in copy:
        return None
    return {str(p["id"]): dict(p) for p in copy["people"]}


def forget(db: Any, workspace: Any, contact: Person, contact_ids: Iterable[str]) -> int:
    """Erasing a person (decision 20) takes them out of every copy that names them now, rather than at the
    next nightly refresh: the copies of the people they were on mail with and of their colleagues, and of
    those people's companies; their own copies go. Returns how many copies were rewritten."""
    erased = set(contact_ids)
    contacts = workspace.collection("contacts")
    related = set(contact.get(member_strength.EDGES_FIELD) or {})
    companies = {str(contact["companyId"])} if contact.get("companyId") else set()
    for domain in list(companies):
        at_company = contacts.where(filter=FieldFilter("companyId", "==", domain)).select([])
        related |= {s.id for s in at_company.stream()}
    related -= erased
    for chunk in _chunks([contacts.document(i) for i in sorted(related)]):
        found = db.get_all(chunk, field_paths=["companyId"])
        companies |= {str(s.get("companyId")) for s in found if s.exists and s.get("companyId")}
    copies = [reference(contacts.document(i)) for i in sorted(related)]
    copies += [reference(workspace.collection("companies").document(d)) for d in sorted(companies)]
    changes: list[tuple[Any, dict[str, Any] | None]] = [(reference(contacts.document(i)), None) for i in sorted(erased)]
    for chunk in _chunks(copies):
        for snapshot in db.get_all(chunk):
            copy = snapshot.to_dict() or {}
            kept = {
                part: [p for p in copy[part] if p.get("id") not in erased and p.get("to") not in erased]
                for part in ("colleagues", "connectors", "people")
                if part in copy
            }
            if any(len(kept[part]) != len(copy[part]) for part in kept):
                changes.append((snapshot.reference, kept))
    for chunk in _chunks(changes):
        batch = db.batch()
        for target, kept in chunk:
            if kept is None:
                batch.delete(target)
            else:
                batch.update(target, kept)
        batch.commit()
    return sum(1 for _, kept in changes if kept is not None)


def _chunks(items: list[Any], size: int = 300) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
