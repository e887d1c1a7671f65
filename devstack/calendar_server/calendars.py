"""One primary calendar per account: its events, the change sequence sync tokens point into, and its
watch channels. Every change bumps the calendar's sequence and notifies its live channels."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from devstack.calendar_server import recurrence
from devstack.calendar_server.recurrence import Moment

# Without timeMax (an incremental sync, or a list without bounds) recurring events expand this far ahead.
EXPANSION_HORIZON = timedelta(days=366)
DEFAULT_CHANNEL_SECONDS = 7 * 24 * 3600
MAX_CHANNEL_SECONDS = 30 * 24 * 3600
_EVENT_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"  # base32hex, as Google's event ids


class CalendarError(ValueError):
    """A request Google would refuse; `kind` says how: invalid, not_found, gone or conflict."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class StoredEvent:
    resource: dict[str, Any]  # the Event as events.list answers it (for a recurring one, the series)
    seq: int  # the calendar's sequence at its latest change


@dataclass
class Channel:
    id: str
    resource_id: str
    address: str
    token: str | None
    expiration_ms: int
    message_number: int = 0
    stopped: bool = False

    def as_json(self, resource_uri: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "api#channel",
            "id": self.id,
            "resourceId": self.resource_id,
            "resourceUri": resource_uri,
            "expiration": str(self.expiration_ms),
        }
        if self.token is not None:
            body["token"] = self.token
        return body


@dataclass(frozen=True)
class Listing:
    items: list[dict[str, Any]]
    next_page_token: str | None
    next_sync_token: str | None
    time_zone: str = "UTC"  # the calendar's, which events.list answers with (Events.timeZone)


@dataclass(frozen=True)
class ListQuery:
    sync_token: str | None = None
    page_token: str | None = None
    time_min: datetime | None = None
    time_max: datetime | None = None
    single_events: bool = False
    show_deleted: bool = False
    max_results: int = 250


# Sends one push notification: (address, headers). Runs on the notifier's thread.
Push = Callable[[str, dict[str, str]], None]


@dataclass
class Calendar:
    email: str
    generation: str = field(default_factory=lambda: secrets.token_hex(4))
    seq: int = 0
    sync_floor: int = 0  # sync tokens older than this answer 410 GONE
    events: dict[str, StoredEvent] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    # Its owner's zone, an IANA name (Google's default is the account's; here UTC until set). All-day events
    # are days in this zone for the calendar's owner.
    time_zone: str = "UTC"

    @property
    def resource_id(self) -> str:
        return hashlib.sha256(f"{self.email}/{self.generation}".encode()).hexdigest()[:27]

    @property
    def resource_uri(self) -> str:
        return f"https://www.googleapis.com/calendar/v3/calendars/{self.email}/events?alt=json"


class CalendarBoard:
    """Every account's calendar, created on first use (as every Google account has a primary calendar)."""

    def __init__(self, push: Push) -> None:
        self._calendars: dict[str, Calendar] = {}
        self._lock = threading.RLock()
        self._push = push
        self.sent: list[dict[str, Any]] = []  # each notification sent, for tests to read and replay

    def calendar(self, email: str) -> Calendar:
        address = email.strip().lower()
        with self._lock:
            return self._calendars.setdefault(address, Calendar(address))

    # -- changes ---------------------------------------------------------------------------------
    def put_event(self, email: str, body: dict[str, Any]) -> dict[str, Any]:
        """Creates or replaces an event (by `id`, made up when absent) and notifies the calendar's channels."""
        with self._lock:
            calendar = self.calendar(email)
            event_id = str(body.get("id") or _new_event_id())
            earlier = calendar.events.get(event_id)
            calendar.seq += 1
            resource = _complete(calendar, {**body, "id": event_id}, earlier.resource if earlier else None)
            calendar.events[event_id] = StoredEvent(resource, calendar.seq)
            self._notify(calendar)
            return resource

    def delete_event(self, email: str, event_id: str) -> dict[str, Any]:
        with self._lock:
            calendar = self.calendar(email)
            stored = calendar.events.get(event_id)
            if stored is None or stored.resource.get("status") == "cancelled":
                raise CalendarError("not_found", "Not Found")
            calendar.seq += 1
            stored.resource = {**stored.resource, "status": "cancelled", "updated": _now_rfc3339()}
            stored.resource["etag"] = _etag(stored.resource)
            stored.seq = calendar.seq
            self._notify(calendar)
            return stored.resource

    def set_time_zone(self, email: str, zone: str) -> str:
        """The calendar's time zone (Calendar Settings at Google), which events.list answers with from now on."""
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise CalendarError("invalid", f"Invalid time zone: {zone}") from error
        with self._lock:
            self.calendar(email).time_zone = zone
            return zone

    def expire_sync_tokens(self, email: str) -> int:
        """Every sync token issued so far answers 410 from now on (Google expires them at will)."""
        with self._lock:
            calendar = self.calendar(email)
            calendar.seq += 1
            calendar.sync_floor = calendar.seq
            return calendar.seq

    # -- events.list -----------------------------------------------------------------------------
    def list_events(self, email: str, query: ListQuery) -> Listing:
        with self._lock:
            calendar = self.calendar(email)
            since = self._since(calendar, query.sync_token)
            page = _decode_page(query.page_token, calendar) if query.page_token else None
            snapshot = page["s"] if page else calendar.seq
            after = tuple(page["k"]) if page else None
            entries = sorted(self._entries(calendar, query, since, snapshot), key=lambda entry: entry[0])
        if after is not None:
            entries = [entry for entry in entries if entry[0] > after]
        items = [entry[1] for entry in entries[: query.max_results]]
        if len(entries) > query.max_results:
            next_page = _encode_page(calendar, snapshot, entries[query.max_results - 1][0])
            return Listing(items, next_page, None, calendar.time_zone)
        return Listing(items, None, _encode_sync(calendar, snapshot), calendar.time_zone)

    def _since(self, calendar: Calendar, sync_token: str | None) -> int | None:
        if sync_token is None:
            return None
        try:
            decoded = json.loads(base64.urlsafe_b64decode(sync_token + "=" * (-len(sync_token) % 4)))
            email, generation, seq = decoded["e"], decoded["g"], int(decoded["s"])
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            raise CalendarError("invalid", "Invalid sync token value.") from error
        if email != calendar.email:
            raise CalendarError("invalid", "Invalid sync token value.")
        if generation != calendar.generation or seq < calendar.sync_floor:
            raise CalendarError("gone", "Sync token is no longer valid, a full sync is required.")
        return seq

    def _entries(
        self, calendar: Calendar, query: ListQuery, since: int | None, snapshot: int
    ) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
        syncing = since is not None
        horizon = query.time_max or datetime.now(UTC) + EXPANSION_HORIZON
        overrides = {
            (str(stored.resource.get("recurringEventId")), _start_key(stored.resource.get("originalStartTime") or {}))
            for stored in calendar.events.values()
            if stored.resource.get("recurringEventId")
        }
        for stored in calendar.events.values():
            if stored.seq > snapshot or (syncing and stored.seq <= (since or 0)):
                continue
            resource = stored.resource
            cancelled = resource.get("status") == "cancelled"
            if cancelled and not (syncing or query.show_deleted):
                continue
            if query.single_events and resource.get("recurrence"):
                for instance in _instances(resource, until=horizon):
                    original = _start_key(instance["originalStartTime"])
                    if (resource["id"], original) in overrides:
                        continue  # the changed or cancelled instance is listed as its own event
                    if _within(instance, query):
                        yield (_start_key(instance["start"]), instance["id"]), _shown(instance)
            elif (query.single_events or not resource.get("recurringEventId")) and _within(resource, query):
                yield (_start_key(resource["start"]), resource["id"]), _shown(resource)

    # -- channels --------------------------------------------------------------------------------
    def watch(self, email: str, body: dict[str, Any]) -> dict[str, Any]:
        channel_id, address = body.get("id"), body.get("address")
        if not isinstance(channel_id, str) or not channel_id:
            raise CalendarError("invalid", "Required: channel id")
        if body.get("type") not in ("web_hook", "webhook"):
            raise CalendarError("invalid", "Channel type must be web_hook")
        if not isinstance(address, str) or not address.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise CalendarError("invalid", "WebHook callback must be HTTPS: " + str(address))
        token = body.get("token")
        if token is not None and len(str(token)) > 256:
            raise CalendarError("invalid", "Channel token is longer than 256 characters")
        seconds = _channel_seconds(body)
        with self._lock:
            calendar = self.calendar(email)
            if any(
                channel.id == channel_id for other in self._calendars.values() for channel in other.channels.values()
            ):
                raise CalendarError("conflict", f"Channel id {channel_id} not unique")
            channel = Channel(channel_id, calendar.resource_id, address, token, int((time.time() + seconds) * 1000))
            calendar.channels[channel_id] = channel
            self._send(calendar, channel, "sync")
            return channel.as_json(calendar.resource_uri)

    def stop(self, email: str, channel_id: str, resource_id: str) -> None:
        with self._lock:
            calendar = self.calendar(email)
            channel = calendar.channels.get(channel_id)
            if channel is None or channel.resource_id != resource_id:
                raise CalendarError("not_found", f"Channel '{channel_id}' not found for project")
            del calendar.channels[channel_id]

    def channels(self, email: str) -> list[dict[str, Any]]:
        calendar = self.calendar(email)
        with self._lock:
            return [
                {**channel.as_json(calendar.resource_uri), "address": channel.address}
                for channel in calendar.channels.values()
            ]

    def _notify(self, calendar: Calendar) -> None:
        now_ms = time.time() * 1000
        for channel in list(calendar.channels.values()):
            if channel.expiration_ms <= now_ms:
                del calendar.channels[channel.id]  # an expired channel is gone at Google too
            else:
                self._send(calendar, channel, "exists")

    def _send(self, calendar: Calendar, channel: Channel, state: str) -> None:
        channel.message_number += 1
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": _http_date(channel.expiration_ms / 1000),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": calendar.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(channel.message_number),
        }
        if channel.token is not None:
            headers["X-Goog-Channel-Token"] = channel.token
        self.sent.append({"email": calendar.email, "address": channel.address, "headers": headers})
        self._push(channel.address, headers)


def _channel_seconds(body: dict[str, Any]) -> float:
    params = body.get("params") or {}
    try:
        if "ttl" in params:
            return float(min(int(params["ttl"]), MAX_CHANNEL_SECONDS))
        if body.get("expiration"):
            return max(1.0, min(int(body["expiration"]) / 1000 - time.time(), MAX_CHANNEL_SECONDS))
    except (TypeError, ValueError) as error:
        raise CalendarError("invalid", "Invalid channel expiration or ttl") from error
    return DEFAULT_CHANNEL_SECONDS


# -- event resources ---------------------------------------------------------------------------------


def _new_event_id() -> str:
    return "".join(secrets.choice(_EVENT_ID_ALPHABET) for _ in range(26))


def _now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _etag(resource: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(resource, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{int(digest[:12], 16)}"'


def _complete(calendar: Calendar, body: dict[str, Any], earlier: dict[str, Any] | None) -> dict[str, Any]:
    """The stored Event: the caller's fields plus what Google fills in (kind, times, owner, etag...)."""
    for name in ("start", "end"):
        if not isinstance(body.get(name), dict) or _moment(body[name]) is None:
            raise CalendarError("invalid", f"Missing or invalid {name} time.")
    if _moment(body["end"]) < _moment(body["start"]):  # type: ignore[operator]
        raise CalendarError("invalid", "The specified time range is empty.")
    if body.get("recurrence"):
        try:
            recurrence.parse(list(body["recurrence"]), all_day="date" in body["start"])
        except recurrence.RecurrenceError as error:
            raise CalendarError("invalid", f"Invalid recurrence rule: {error}") from error
    now = _now_rfc3339()
    owner = {"email": calendar.email, "self": True}
    resource: dict[str, Any] = {
        "kind": "calendar#event",
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={body['id']}",
        "created": (earlier or {}).get("created", now),
        "creator": owner,
        "organizer": owner,
        "iCalUID": f"{body.get('recurringEventId') or body['id']}@google.com",
        "eventType": "default",
        **body,
        "updated": now,
        "sequence": int((earlier or {}).get("sequence", -1)) + 1,
    }
    resource.pop("etag", None)
    resource["etag"] = _etag(resource)
    return resource


def _moment(value: dict[str, Any]) -> Moment | None:
    try:
        if "dateTime" in value:
            moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
            return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        if "date" in value:
            return date.fromisoformat(str(value["date"]))
    except ValueError:
        return None
    return None


def _as_datetime(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def _start_key(value: dict[str, Any]) -> str:
    moment = _moment(value)
    return _as_datetime(moment).isoformat() if moment is not None else ""


def _within(resource: dict[str, Any], query: ListQuery) -> bool:
    """Google's window: the event ends after timeMin and starts before timeMax."""
    start, end = _moment(resource.get("start") or {}), _moment(resource.get("end") or {})
    if start is None or end is None:
        return True
    if query.time_min is not None and _as_datetime(end) <= query.time_min:
        return False
    return not (query.time_max is not None and _as_datetime(start) >= query.time_max)


def _instances(series: dict[str, Any], *, until: datetime) -> Iterator[dict[str, Any]]:
    start, end = _moment(series["start"]), _moment(series["end"])
    assert start is not None
    assert end is not None
    all_day = not isinstance(start, datetime)
    rule = recurrence.parse(list(series["recurrence"]), all_day=all_day)
    duration = _as_datetime(end) - _as_datetime(start)
    limit: Moment = until.date() if all_day else until
    for moment in recurrence.occurrences(rule, start, until=limit):
        instance = {key: value for key, value in series.items() if key != "recurrence"}
        if isinstance(moment, datetime):
            stamp = moment.strftime("%Y%m%dT%H%M%SZ")
            zone = {"timeZone": series["start"]["timeZone"]} if "timeZone" in series["start"] else {}
            instance["start"] = {"dateTime": _rfc3339(moment), **zone}
            instance["end"] = {"dateTime": _rfc3339(moment + duration), **zone}
            instance["originalStartTime"] = dict(instance["start"])
        else:
            stamp = moment.strftime("%Y%m%d")
            instance["start"] = {"date": moment.isoformat()}
            instance["end"] = {"date": (moment + duration).isoformat()}
            instance["originalStartTime"] = {"date": moment.isoformat()}
        instance["id"] = f"{series['id']}_{stamp}"
        instance["recurringEventId"] = series["id"]
        yield instance


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _shown(resource: dict[str, Any]) -> dict[str, Any]:
    """A cancelled event is answered as Google answers deleted ones: its identity and status only."""
    if resource.get("status") != "cancelled":
        return resource
    kept = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime")
    return {key: resource[key] for key in kept if key in resource}


def _http_date(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _encode_page(calendar: Calendar, snapshot: int, key: tuple[str, str]) -> str:
    raw = json.dumps({"e": calendar.email, "g": calendar.generation, "s": snapshot, "k": list(key)})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_page(token: str, calendar: Calendar) -> dict[str, Any]:
    try:
        page = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if page["e"] != calendar.email or page["g"] != calendar.generation or len(page["k"]) != 2:
            raise ValueError("another calendar's page")
        return dict(page)
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise CalendarError("invalid", "Invalid page token value.") from error


def _encode_sync(calendar: Calendar, seq: int) -> str:
    raw = json.dumps({"e": calendar.email, "g": calendar.generation, "s": seq})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
