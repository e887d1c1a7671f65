"""Relationship health over time: one snapshot per workspace per day, for the dashboard's chart.

The nightly refresh (`RelationshipStats.refresh_workspace`) already reads every contact and works out its
strength now; it tallies them here as it goes and writes one document, `relationshipHealth/{YYYY-MM-DD}`
(UTC), so a snapshot costs no read and one write per workspace per day, and the chart reads one document
per day shown.

Each contact with mail counts once, in one of four bands (the web's strength levels, docs/decisions/0005):
- cooling: past its own rhythm of contact ("going cold") while still worth keeping (20 or more);
- strong: 60 or more; warm: 20 to 60; cold: below 20.
Per teammate (mailbox), the same from their own strength (decision 27), "cooling" being their trend with
the contact. `meanStrength` is the mean score of the contacts counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.crm import member_strength

COLLECTION = "relationshipHealth"
STRONG = 60.0
WARM = 20.0
BANDS = ("strong", "warm", "cooling", "cold")


def band(score: float, cooling: bool) -> str:
    if score < WARM:
        return "cold"
    if cooling:
        return "cooling"
    return "strong" if score >= STRONG else "warm"


@dataclass
class Tally:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))
    total_score: float = 0.0

    def add(self, score: float, cooling: bool) -> None:
        self.counts[band(score, cooling)] += 1
        self.total_score += score

    def to_dict(self) -> dict[str, Any]:
        contacts = sum(self.counts.values())
        mean = round(self.total_score / contacts, 1) if contacts else 0.0
        return {**self.counts, "contacts": contacts, "meanStrength": mean}


@dataclass
class HealthTally:
    """The day's snapshot, built one contact at a time from what the refresh is about to write."""

    team: Tally = field(default_factory=Tally)
    members: dict[str, Tally] = field(default_factory=dict)

    def add(self, contact: Mapping[str, Any], now_ms: int) -> None:
        """`contact` as it will be stored: its new strength and going-cold flag over what was read."""
        if not contact.get("lastInteractionMs") or not contact.get("strength"):
            return  # never on mail: no relationship to weigh
        score = float(contact["strength"].get("score") or 0.0)
        self.team.add(score, bool(contact.get("goingCold")))
        for member in member_strength.member_scores(contact, now_ms):
            self.members.setdefault(member.mailbox_id, Tally()).add(member.score, member.trend == "cooling")

    def snapshot(self, now: datetime) -> dict[str, Any]:
        return {
            "date": now.astimezone(UTC).date().isoformat(),
            "takenAt": now,
            **self.team.to_dict(),
            "members": {mailbox_id: tally.to_dict() for mailbox_id, tally in sorted(self.members.items())},
        }


def save(workspace: firestore.DocumentReference, tally: HealthTally, now: datetime) -> dict[str, Any]:
    """Writes the day's snapshot; a second run the same day replaces it."""
    snapshot = tally.snapshot(now)
    workspace.collection(COLLECTION).document(snapshot["date"]).set(snapshot)
    return snapshot
