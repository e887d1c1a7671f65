"""The demo owner's calendar: the meetings of devstack/demo_data/calendar.toml with the demo mailbox's own
correspondents, loaded into the local Calendar server so `./rapport up` shows meetings."""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from devstack.takeout import read_mbox

_TABLE = Path(__file__).parent / "demo_data" / "calendar.toml"


def correspondents(mbox: Path, owner: str, *, limit: int = 10) -> list[tuple[str, str]]:
    """(name, address) of who writes to `owner` most often, most frequent first."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for raw in read_mbox(mbox):
        header = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        for name, address in getaddresses(message_from_bytes(header).get_all("From", [])):
            address = address.strip().lower()
            if address and address != owner.lower():
                counts[address] += 1
                names.setdefault(address, name)
    return [(names[address], address) for address, _ in counts.most_common(limit)]


def events(owner: str, people: list[tuple[str, str]], *, today: date | None = None) -> list[dict[str, Any]]:
    """Calendar v3 Event resources for the table's meetings; rows naming more people than there are drop them."""
    day = today or datetime.now(UTC).date()
    with _TABLE.open("rb") as file:
        rows = tomllib.load(file)["meetings"]
    built = []
    for number, row in enumerate(rows):
        attendees = [
            {"email": people[rank][1], "displayName": people[rank][0], "responseStatus": "accepted"}
            for rank in row["attendees"]
            if rank < len(people)
        ]
        if not attendees:
            continue
        owner_status = "declined" if row.get("declined") else "accepted"
        attendees.insert(0, {"email": owner, "self": True, "organizer": True, "responseStatus": owner_status})
        if row.get("guest_without_email"):
            attendees.append({"displayName": row["guest_without_email"], "resource": True})
        when = day + timedelta(days=int(row["days"]))
        if row.get("all_day"):
            start: dict[str, str] = {"date": when.isoformat()}
            end = {"date": (when + timedelta(days=1)).isoformat()}
        else:
            begins = datetime(when.year, when.month, when.day, int(row["hour"]), tzinfo=UTC)
            start = {"dateTime": begins.isoformat(), "timeZone": "UTC"}
            end = {"dateTime": (begins + timedelta(minutes=int(row["minutes"]))).isoformat(), "timeZone": "UTC"}
        event: dict[str, Any] = {
            "id": f"demo{number:04d}meeting",
            "summary": row["summary"],
            "start": start,
            "end": end,
            "attendees": attendees,
            "status": "cancelled" if row.get("cancelled") else "confirmed",
        }
        if row.get("recurrence"):
            event["recurrence"] = [row["recurrence"]]
        built.append(event)
    return built
