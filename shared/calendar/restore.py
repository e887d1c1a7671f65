"""What a meeting taken back (cancelled, deleted, declined, moved, or an attendee removed) leaves behind.

Counts and sums are taken back by Increments (shared/calendar/meetings.py), but a contact's or company's
first and last interaction times are a Minimum and a Maximum, and a teammate's newest interaction and a
co-occurrence edge's newest evidence point at one interaction: none of these can be "decremented". When the
meeting taken back is what one of them holds, they are set again from the interactions that still count
(newest first, or oldest first for the first time): interactions naming the record that are neither a meeting
still to come nor staged mail. An entry whose count falls to zero is removed, as it would never have been
written. The record is written under a precondition on the version read, so mail counted meanwhile makes the
commit fail and the meetings are planned again (decision 38).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.crm.member_strength import EDGES_FIELD, MAX_COOCCUR_PEOPLE, MEMBER_FIELD

SCAN_LIMIT = 500  # interactions read at most for one record's newest evidence (the relationship stats' window)
SCAN_PAGE = 50


@dataclass
class Taken:
    """What one commit takes back from one contact or company, and what it adds."""

    taken: dict[str, int] = field(default_factory=dict)  # interaction id -> its time, each taken back
    interactions: int = 0  # the net change in interactionCount
    first_ms: int | None = None  # of what the commit adds
    last_ms: int | None = None
    members: dict[str, tuple[int, int, str | None]] = field(default_factory=dict)  # mailbox: (count, lastMs, lastId)
    edges: dict[str, tuple[int, int, str | None]] = field(default_factory=dict)  # other contact: (n, lastMs, lastId)


def counts(interaction: Mapping[str, Any]) -> bool:
    """Whether an interaction naming a record counts for it: not a meeting still to come (as
    CrmRepair.contact_totals reads them), nor mail staged for a preview, which moves no counter."""
    return not interaction.get("pending") and not interaction.get("staged")


def links(interaction: Mapping[str, Any]) -> bool:
    """Whether an interaction makes co-occurrence edges between the people it counts (as ingestion and
    meetings add them: a handful of people, never a broadcast)."""
    counted = interaction.get("contactIds") or ()
    return 1 < len(counted) <= MAX_COOCCUR_PEOPLE and interaction.get("linksPeople", True) is not False


def _epoch_ms(interaction: Mapping[str, Any]) -> int:
    return int(interaction["occurredAt"].timestamp() * 1000)


def _remaining(
    interactions: firestore.CollectionReference,
    array_field: str,
    record_id: str,
    exclude: Collection[str],
    *,
    newest_first: bool,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The record's interactions that still count, one small page at a time, at most SCAN_LIMIT read."""
    direction = firestore.Query.DESCENDING if newest_first else firestore.Query.ASCENDING
    query = interactions.where(filter=FieldFilter(array_field, "array_contains", record_id)).order_by(
        "occurredAt", direction=direction
    )
    read = 0
    last: firestore.DocumentSnapshot | None = None
    while read < SCAN_LIMIT:
        page = list((query.start_after(last) if last is not None else query).limit(SCAN_PAGE).stream())
        for snapshot in page:
            data = snapshot.to_dict() or {}
            if snapshot.id not in exclude and counts(data) and data.get("occurredAt") is not None:
                yield snapshot.id, data
        read += len(page)
        if len(page) < SCAN_PAGE:
            return
        last = page[-1]


def _newer(a: tuple[int, str | None] | None, b: tuple[int, str | None] | None) -> tuple[int, str | None] | None:
    if a is None or (b is not None and b[0] >= a[0]):
        return b
    return a


def restored_fields(
    stored: Mapping[str, Any],
    change: Taken,
    *,
    interactions: firestore.CollectionReference,
    array_field: str,
    record_id: str,
    exclude: Collection[str],
) -> dict[str, Any]:
    """Absolute values (or deletions) for the fields of `stored` that `change` takes back what they hold,
    by field path; empty when the Increments and Maximum/Minimum of the commit are right as they are."""
    fields: dict[str, Any] = {}
    if not change.taken:
        return fields
    times = change.taken.values()
    remaining = int(stored.get("interactionCount") or 0) + change.interactions
    last, first = stored.get("lastInteractionMs"), stored.get("firstInteractionMs")
    need_last = last is not None and any(t >= int(last) for t in times)
    need_first = first is not None and any(t <= int(first) for t in times)
    members_needed: set[str] = set()
    for mailbox_id, entry in (stored.get(MEMBER_FIELD) or {}).items():
        count, _, _ = change.members.get(mailbox_id, (0, 0, None))
        if int(entry.get("count") or 0) + count <= 0:
            fields[FieldPath(MEMBER_FIELD, mailbox_id).to_api_repr()] = firestore.DELETE_FIELD
        elif entry.get("lastId") in change.taken:
            members_needed.add(mailbox_id)
    edges_needed: set[str] = set()
    for other_id, entry in (stored.get(EDGES_FIELD) or {}).items():
        count, _, _ = change.edges.get(other_id, (0, 0, None))
        if count < 0 and int(entry.get("n") or 0) + count <= 0:
            fields[FieldPath(EDGES_FIELD, other_id).to_api_repr()] = firestore.DELETE_FIELD
        elif entry.get("lastId") in change.taken:
            edges_needed.add(other_id)
    for group, adding in ((MEMBER_FIELD, change.members), (EDGES_FIELD, change.edges)):
        entries = stored.get(group) or {}
        gone = {key for key in entries if fields.get(FieldPath(group, key).to_api_repr()) is firestore.DELETE_FIELD}
        if entries and gone == entries.keys() and all(t[0] <= 0 for k, t in adding.items() if k not in gone):
            # Every entry goes and none comes: no map, as on a record that never had one.
            for key in gone:
                del fields[FieldPath(group, key).to_api_repr()]
            fields[group] = firestore.DELETE_FIELD
    if remaining <= 0:
        if last is not None or first is not None:
            fields |= {"lastInteractionMs": firestore.DELETE_FIELD, "firstInteractionMs": firestore.DELETE_FIELD}
        need_last = need_first = False
    newest: tuple[int, str | None] | None = None
    members: dict[str, tuple[int, str | None]] = {}
    edges: dict[str, tuple[int, str | None]] = {}
    if need_last or members_needed or edges_needed:
        for interaction_id, data in _remaining(interactions, array_field, record_id, exclude, newest_first=True):
            at = (_epoch_ms(data), interaction_id)
            newest = newest or at
            mailbox_id = data.get("mailboxId")
            if mailbox_id in members_needed and mailbox_id not in members:
                members[mailbox_id] = at
            if links(data):
                for other_id in edges_needed & set(data.get("contactIds") or ()) - edges.keys():
                    edges[other_id] = at
            if members.keys() >= members_needed and edges.keys() >= edges_needed:
                break
    if need_last:
        newest_added: tuple[int, str | None] | None = (change.last_ms, None) if change.last_ms is not None else None
        newest_left = _newer(newest, newest_added)
        fields["lastInteractionMs"] = newest_left[0] if newest_left else firestore.DELETE_FIELD
    if need_first:
        oldest = next(iter(_remaining(interactions, array_field, record_id, exclude, newest_first=False)), None)
        candidates = [t for t in (oldest and _epoch_ms(oldest[1]), change.first_ms) if t is not None]
        fields["firstInteractionMs"] = min(candidates) if candidates else firestore.DELETE_FIELD
    for group, needed, found, additions in (
        (MEMBER_FIELD, members_needed, members, change.members),
        (EDGES_FIELD, edges_needed, edges, change.edges),
    ):
        for key in needed:
            _, added_ms, added_id = additions.get(key, (0, 0, None))
            best = _newer(found.get(key), (added_ms, added_id) if added_id else None)
            # Not within the window read: older than all of it, so no evidence is named rather than a stale one.
            fields[FieldPath(group, key, "lastMs").to_api_repr()] = best[0] if best else 0
            fields[FieldPath(group, key, "lastId").to_api_repr()] = best[1] if best else firestore.DELETE_FIELD
    return fields


def flattened(update: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    """A merge-set's nested maps as field paths, for an update that carries a precondition."""
    flat: dict[str, Any] = {}
    for key, value in update.items():
        path = (*prefix, key)
        if isinstance(value, Mapping) and value:
            flat |= flattened(value, path)
        else:
            flat[FieldPath(*path).to_api_repr()] = value
    return flat


def with_restored(update: Mapping[str, Any], restored: Mapping[str, Any]) -> dict[str, Any]:
    """The commit's own fields (flattened) with the restored ones over them: a deleted entry drops the
    Increments aimed inside it, an absolute time replaces the Maximum or Minimum."""
    flat = flattened(update)
    deleted = [path for path, value in restored.items() if value is firestore.DELETE_FIELD]
    kept = {
        path: value
        for path, value in flat.items()
        if not any(path == gone or path.startswith(gone + ".") for gone in deleted)
    }
    return kept | dict(restored)
