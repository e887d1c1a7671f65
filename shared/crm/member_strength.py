"""Each teammate's own connection strength with a contact, and who was on mail with whom.

Kept by ingestion in the contact write it already makes (no extra document write per message):

- `memberStrength.{mailboxId}`: sums over that mailbox's mail with the contact, each term *forward
  decayed* (Cormode et al., "Forward decay", 2009): a message at time t adds w · 2^((t − T0) / h)
  for a fixed anchor T0, so a sum is kept with Firestore's Increment alone, never read first, and its
  value now is the sum times 2^(−(now − T0) / h). `sent`, `received` and `copied` use the 45-day half-life
  of decision 5; `fast` the same weights with a 10-day half-life, for the trend.
  Meetings (shared/calendar/meetings.py) add `meeting`: their weight, also forward decayed on the 45-day half-life,
  and the same weight to `fast`; a meeting counts as two-way, so it is not part of the reciprocity balance.
- `cooccur.{otherContactId}`: the same decayed weight for mail the two were both on (at most
  MAX_COOCCUR_PEOPLE counted people: a broadcast introduces nobody), with the newest interaction as
  evidence. Bounded per contact (MAX_COOCCUR_EDGES), so the document and an intro query stay small.
- `memberScores.{mailboxId}`: the score as of the last stats refresh (after each ingest and nightly),
  only so that Firestore can sort a member's strongest relationships.

The formula and why: docs/decisions/0027-per-member-strength.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.crm.decay import DAY_MS, squash

ANCHOR_MS = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)
HALF_LIFE_DAYS = 45.0  # as the workspace-wide strength (decision 5)
FAST_HALF_LIFE_DAYS = 10.0
SCALE = 10.0
COPIED_WEIGHT = 0.5
MAX_DEPTH_BONUS = 1.0  # a deep thread counts up to double
DEPTH_STEP = 0.25  # per earlier message in the thread (References), up to MAX_DEPTH_BONUS
RISING, COOLING = 1.3, 0.7  # fast rate against slow rate: above rises, below cools
MAX_COOCCUR_PEOPLE = 8
MAX_COOCCUR_EDGES = 200
MEMBER_FIELD = "memberStrength"
EDGES_FIELD = "cooccur"
SCORES_FIELD = "memberScores"
MEMBER_SUMS = ("sent", "received", "copied", "meeting", "fast", "count")
MEETING_RECIPROCITY = 2.0  # a meeting is two-way: it counts as a kept-up conversation does


def forward_weight(at_ms: int, half_life_days: float) -> float:
    """What one unit of weight at `at_ms` adds to a forward-decayed sum."""
    return float(2.0 ** ((at_ms - ANCHOR_MS) / (half_life_days * DAY_MS)))


def value_now(stored_sum: float, now_ms: int, half_life_days: float) -> float:
    """A forward-decayed sum as plain decayed weight at `now_ms`."""
    return float(stored_sum) / forward_weight(now_ms, half_life_days)


def thread_depth_factor(earlier_in_thread: int) -> float:
    return 1.0 + min(MAX_DEPTH_BONUS, DEPTH_STEP * max(earlier_in_thread, 0))


@dataclass
class MemberTally:
    """What one commit adds to one mailbox's sums for one contact."""

    sent: float = 0.0
    received: float = 0.0
    copied: float = 0.0
    meeting: float = 0.0
    fast: float = 0.0
    count: int = 0
    last_ms: int = 0
    last_id: str | None = None

    def add_meeting(self, *, at_ms: int, weight: float, interaction_id: str | None, sign: int = 1) -> None:
        """A meeting's weight (`sign` -1 takes back what an earlier version of it added)."""
        self.meeting += sign * weight * forward_weight(at_ms, HALF_LIFE_DAYS)
        self.fast += sign * weight * forward_weight(at_ms, FAST_HALF_LIFE_DAYS)
        self.count += sign
        if sign > 0 and at_ms >= self.last_ms:
            self.last_ms, self.last_id = at_ms, interaction_id

    def add(self, *, at_ms: int, sent: int, received: int, depth: int, interaction_id: str) -> None:
        factor = thread_depth_factor(depth)
        weight = factor if (sent or received) else COPIED_WEIGHT * factor
        slow = forward_weight(at_ms, HALF_LIFE_DAYS)
        if received:
            self.received += weight * slow
        elif sent:
            self.sent += weight * slow
        else:
            self.copied += weight * slow
        self.fast += weight * forward_weight(at_ms, FAST_HALF_LIFE_DAYS)
        self.count += 1
        if at_ms >= self.last_ms:
            self.last_ms, self.last_id = at_ms, interaction_id

    def merge(self, other: MemberTally) -> None:
        self.sent += other.sent
        self.received += other.received
        self.copied += other.copied
        self.meeting += other.meeting
        self.fast += other.fast
        self.count += other.count
        if other.last_ms >= self.last_ms:
            self.last_ms, self.last_id = other.last_ms, other.last_id


@dataclass
class EdgeTally:
    """What one commit adds to the co-occurrence of one contact with another."""

    weight: float = 0.0
    count: int = 0
    last_ms: int = 0
    last_id: str | None = None

    def add(self, *, at_ms: int, interaction_id: str | None, weight: float = 1.0, sign: int = 1) -> None:
        self.weight += sign * weight * forward_weight(at_ms, HALF_LIFE_DAYS)
        self.count += sign
        if sign > 0 and at_ms >= self.last_ms:
            self.last_ms, self.last_id = at_ms, interaction_id

    def merge(self, other: EdgeTally) -> None:
        self.weight += other.weight
        self.count += other.count
        if other.last_ms >= self.last_ms:
            self.last_ms, self.last_id = other.last_ms, other.last_id


@dataclass
class ContactTallies:
    """Per-member and co-occurrence tallies of one contact in one commit."""

    members: dict[str, MemberTally] = field(default_factory=dict)
    edges: dict[str, EdgeTally] = field(default_factory=dict)

    def merge(self, other: ContactTallies) -> None:
        for key, tally in other.members.items():
            self.members.setdefault(key, MemberTally()).merge(tally)
        for key, edge in other.edges.items():
            self.edges.setdefault(key, EdgeTally()).merge(edge)


def update_fields(tallies: ContactTallies, stored: Mapping[str, Any], increment: Any, maximum: Any) -> dict[str, Any]:
    """The nested fields a contact's merge-set adds: Increments, so concurrent commits never read first.
    `increment`/`maximum` are Firestore's transforms (passed in to keep this module free of the client).
    The newest evidence id is set only when newer than what the contact read for this batch holds."""
    members: dict[str, Any] = {}
    for mailbox_id, tally in tallies.members.items():
        before = (stored.get(MEMBER_FIELD) or {}).get(mailbox_id) or {}
        entry: dict[str, Any] = {
            "sent": increment(tally.sent),
            "received": increment(tally.received),
            "copied": increment(tally.copied),
            "fast": increment(tally.fast),
            "count": increment(tally.count),
            "lastMs": maximum(tally.last_ms),
        }
        if tally.meeting:
            entry["meeting"] = increment(tally.meeting)
        if tally.last_id and tally.last_ms >= int(before.get("lastMs") or 0):
            entry["lastId"] = tally.last_id
        members[mailbox_id] = entry
    edges: dict[str, Any] = {}
    known = stored.get(EDGES_FIELD) or {}
    room = MAX_COOCCUR_EDGES - len(known)
    for other_id, edge in sorted(tallies.edges.items(), key=lambda item: -item[1].count):
        if other_id not in known:
            if room <= 0:
                continue  # full: only relationships it already has keep growing
            room -= 1
        entry = {"w": increment(edge.weight), "n": increment(edge.count), "lastMs": maximum(edge.last_ms)}
        if edge.last_id and edge.last_ms >= int((known.get(other_id) or {}).get("lastMs") or 0):
            entry["lastId"] = edge.last_id
        edges[other_id] = entry
    fields: dict[str, Any] = {}
    if members:
        fields[MEMBER_FIELD] = members
    if edges:
        fields[EDGES_FIELD] = edges
    return fields


# ---- reading the sums ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberScore:
    mailbox_id: str
    score: float  # 0-100
    trend: str  # rising | steady | cooling
    reciprocity: float  # 0 (one-way) .. 1 (as much written as received)
    interactions: int
    last_ms: int
    last_interaction_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mailboxId": self.mailbox_id,
            "score": self.score,
            "trend": self.trend,
            "reciprocity": self.reciprocity,
            "interactions": self.interactions,
            "lastMs": self.last_ms,
            "lastInteractionId": self.last_interaction_id,
        }


def member_score(mailbox_id: str, sums: Mapping[str, Any], now_ms: int) -> MemberScore:
    """score = 100 · (1 − e^(−(raw · (1 + balance) + 2 · meeting) / 10)), raw the decayed weight of all mail,
    balance the decayed weight written over received (or the reverse), so a kept-up conversation counts
    double one-way mail, as in decision 5; a meeting is two-way, so its weight counts double too."""
    sent = value_now(float(sums.get("sent") or 0.0), now_ms, HALF_LIFE_DAYS)
    received = value_now(float(sums.get("received") or 0.0), now_ms, HALF_LIFE_DAYS)
    copied = value_now(float(sums.get("copied") or 0.0), now_ms, HALF_LIFE_DAYS)
    meeting = value_now(float(sums.get("meeting") or 0.0), now_ms, HALF_LIFE_DAYS)
    fast = value_now(float(sums.get("fast") or 0.0), now_ms, FAST_HALF_LIFE_DAYS)
    raw = sent + received + copied
    balance = min(sent, received) / max(sent, received) if max(sent, received) > 0 else 0.0
    return MemberScore(
        mailbox_id=mailbox_id,
        score=squash(raw * (1.0 + balance) + MEETING_RECIPROCITY * meeting, SCALE),
        trend=trend(raw + meeting, fast),
        reciprocity=round(balance, 2),
        interactions=int(sums.get("count") or 0),
        last_ms=int(sums.get("lastMs") or 0),
        last_interaction_id=sums.get("lastId"),
    )


def trend(slow_raw: float, fast_raw: float) -> str:
    """Compares two moving rates of mail per day: the last weeks' (10-day half-life) against the last
    months' (45-day). Each decayed sum over its mean age (half-life / ln 2) is a rate."""
    slow_rate = slow_raw * math.log(2) / HALF_LIFE_DAYS
    fast_rate = fast_raw * math.log(2) / FAST_HALF_LIFE_DAYS
    if slow_rate <= 0:
        return "steady"
    if fast_rate > RISING * slow_rate:
        return "rising"
    if fast_rate < COOLING * slow_rate:
        return "cooling"
    return "steady"


def member_scores(contact: Mapping[str, Any], now_ms: int) -> list[MemberScore]:
    """Every member's score with one contact, strongest first."""
    stored = contact.get(MEMBER_FIELD) or {}
    scores = [member_score(mailbox_id, sums, now_ms) for mailbox_id, sums in stored.items()]
    return sorted(scores, key=lambda s: (-s.score, s.mailbox_id))


def edge_score(edge: Mapping[str, Any], now_ms: int) -> float:
    """How strongly two contacts are tied by the mail they were both on: the same squash as a member's."""
    return squash(value_now(float(edge.get("w") or 0.0), now_ms, HALF_LIFE_DAYS) * 2.0, SCALE)


def score_fields(contact: Mapping[str, Any], now_ms: int) -> dict[str, Any]:
    """The sortable scores a stats refresh writes: one number per mailbox."""
    scores = member_scores(contact, now_ms)
    return {SCORES_FIELD: {s.mailbox_id: s.score for s in scores}} if scores else {}


def merged_fields(target: Mapping[str, Any], source: Mapping[str, Any], *, target_id: str, source_id: str) -> dict:
    """What a merged contact holds of both contacts' sums: forward-decayed sums share one anchor, so they
    add exactly (a merge loses nothing a recomputation would give). The two contacts' edges to each
    other go; the sortable scores are left to the stats refresh that follows a merge."""
    members: dict[str, dict[str, Any]] = {}
    for sums in (target.get(MEMBER_FIELD) or {}, source.get(MEMBER_FIELD) or {}):
        for mailbox_id, entry in sums.items():
            members[mailbox_id] = _added(members.get(mailbox_id), entry, MEMBER_SUMS)
    edges: dict[str, dict[str, Any]] = {}
    for sums in (target.get(EDGES_FIELD) or {}, source.get(EDGES_FIELD) or {}):
        for other_id, entry in sums.items():
            if other_id not in (target_id, source_id):
                edges[other_id] = _added(edges.get(other_id), entry, ("w", "n"))
    fields: dict[str, Any] = {}
    if members:
        fields[MEMBER_FIELD] = members
    if edges:
        # The busiest edges first, if the two together hold more than one contact may.
        fields[EDGES_FIELD] = dict(
            sorted(edges.items(), key=lambda item: -float(item[1].get("n") or 0))[:MAX_COOCCUR_EDGES]
        )
    return fields


def _added(first: Mapping[str, Any] | None, second: Mapping[str, Any], summed: tuple[str, ...]) -> dict[str, Any]:
    if first is None:
        return dict(second)
    newer, older = (
        (second, first) if int(second.get("lastMs") or 0) >= int(first.get("lastMs") or 0) else (first, second)
    )
    added = {**older, **newer}  # the newer one's evidence
    for name in summed:
        added[name] = (first.get(name) or 0) + (second.get(name) or 0)
    return added
