"""The Calendar API v3 subset Rapport uses (events.list, events.watch, channels.stop) at the paths
calendar.v3.json defines, and the `/_dev/calendars/` controls. Requests are checked against the
discovery document (parameters, request bodies) and so is every answer before it leaves."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from devstack.calendar_server import discovery
from devstack.calendar_server.calendars import CalendarBoard, CalendarError, ListQuery
from devstack.gmail_server import errors
from devstack.gmail_server.http_util import json_body, json_response
from shared.log import get_logger

if TYPE_CHECKING:
    from devstack.gmail_server.store import MailStore

log = get_logger("calendar_server")
_EVENTS_LIST = "calendar.events.list"
_EVENTS_WATCH = "calendar.events.watch"
_CHANNELS_STOP = "calendar.channels.stop"
_MAX_RESULTS = 2500
# Parameters only an incremental sync may not combine with its syncToken (Google answers 400).
_NOT_WITH_SYNC_TOKEN = ("timeMin", "timeMax", "orderBy", "q", "updatedMin", "iCalUID")


def _board(store: MailStore) -> CalendarBoard:
    return store.calendars


def _authorized(store: MailStore, request: Request, calendar_id: str, method_id: str) -> str:
    """The account a call acts for, after Google's checks in Google's order: token, faults, scope, calendar."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    access = store.tokens.access_info(token.strip()) if scheme.lower() == "bearer" else None
    if access is None:
        raise errors.unauthenticated()
    store.check_faults(method_id, access.email)
    accepted = discovery.accepted_scopes(method_id)
    if access.scopes.isdisjoint(accepted):
        raise errors.insufficient_permissions(accepted)
    if calendar_id not in ("primary", access.email):
        raise errors.not_found("Not Found")  # another account's calendar, not shared with this one
    _check_parameters(request, method_id)
    return access.email


def _check_parameters(request: Request, method_id: str) -> None:
    declared = discovery.methods()[method_id].get("parameters", {})
    standard = discovery.document().get("parameters", {})
    for name in request.args:
        spec = declared.get(name) or standard.get(name)
        if spec is None or spec.get("location") == "path":
            raise errors.bad_request(f"Invalid parameter: {name}")
        value = request.args[name]
        if spec.get("type") == "boolean" and value not in ("true", "false"):
            raise errors.bad_request(f"Invalid boolean value for {name}: {value}")
        if spec.get("type") == "integer" and not value.lstrip("-").isdigit():
            raise errors.bad_request(f"Invalid integer value for {name}: {value}")
        if "enum" in spec and value not in spec["enum"]:
            raise errors.bad_request(f"Invalid value for {name}: {value}")


def _answer(body: dict[str, Any], schema_name: str) -> Response:
    problems = discovery.schema_errors(body, schema_name)
    if problems:  # the server's own bug: never let a malformed answer reach a client
        log.error("answer does not match calendar.v3.json", extra={"schema": schema_name, "problems": problems[:5]})
        raise errors.backend_error()
    return json_response(body)


def _request_body(request: Request, schema_name: str) -> dict[str, Any]:
    body = json_body(request)
    problems = discovery.schema_errors(body, schema_name)
    if problems:
        raise errors.bad_request(f"Invalid {schema_name}: {problems[0]}")
    return body


def _api_error(error: CalendarError) -> errors.ApiError:
    if error.kind == "gone":
        return errors.full_sync_required()
    if error.kind == "not_found":
        return errors.not_found(error.message)
    if error.kind == "conflict":
        return errors.ApiError(400, error.message, reason="channelIdNotUnique", status="INVALID_ARGUMENT")
    return errors.ApiError(400, error.message, reason="invalid", status="INVALID_ARGUMENT")


def _time(request: Request, name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise errors.bad_request(f"Bad Request: {name}") from error
    if moment.tzinfo is None:
        raise errors.bad_request(f"Bad Request: {name} needs a time zone offset")
    return moment


def list_events(store: MailStore, request: Request, calendar_id: str) -> Response:
    email = _authorized(store, request, calendar_id, _EVENTS_LIST)
    sync_token = request.args.get("syncToken") or None
    if sync_token and any(request.args.get(name) for name in _NOT_WITH_SYNC_TOKEN):
        raise errors.bad_request("Bad Request: syncToken cannot be combined with " + ", ".join(_NOT_WITH_SYNC_TOKEN))
    single_events = request.args.get("singleEvents") == "true"
    if request.args.get("orderBy") == "startTime" and not single_events:
        raise errors.bad_request("The requested ordering is not available for the particular query.")
    time_min, time_max = _time(request, "timeMin"), _time(request, "timeMax")
    if time_min and time_max and time_min >= time_max:
        raise errors.bad_request("The specified time range is empty.")
    max_results = int(request.args.get("maxResults") or 250)
    if max_results < 1:
        raise errors.bad_request("Invalid value for maxResults")
    query = ListQuery(
        sync_token=sync_token,
        page_token=request.args.get("pageToken") or None,
        time_min=time_min,
        time_max=time_max,
        single_events=single_events,
        show_deleted=request.args.get("showDeleted") == "true",
        max_results=min(max_results, _MAX_RESULTS),
    )
    try:
        listing = _board(store).list_events(email, query)
    except CalendarError as error:
        raise _api_error(error) from error
    body: dict[str, Any] = {
        "kind": "calendar#events",
        "etag": f'"{abs(hash((email, listing.next_sync_token, listing.next_page_token))) % 10**15}"',
        "summary": email,
        "updated": max((str(item.get("updated", "")) for item in listing.items), default="") or _epoch_rfc3339(),
        "timeZone": listing.time_zone,
        "accessRole": "owner",
        "defaultReminders": [],
        "items": listing.items,
    }
    if listing.next_page_token:
        body["nextPageToken"] = listing.next_page_token
    if listing.next_sync_token:
        body["nextSyncToken"] = listing.next_sync_token
    return _answer(body, "Events")


def _epoch_rfc3339() -> str:
    return "1970-01-01T00:00:00.000Z"


def watch_events(store: MailStore, request: Request, calendar_id: str) -> Response:
    email = _authorized(store, request, calendar_id, _EVENTS_WATCH)
    try:
        channel = _board(store).watch(email, _request_body(request, "Channel"))
    except CalendarError as error:
        raise _api_error(error) from error
    return _answer(channel, "Channel")


def stop_channel(store: MailStore, request: Request) -> Response:
    email = _authorized(store, request, "primary", _CHANNELS_STOP)
    body = _request_body(request, "Channel")
    channel_id, resource_id = body.get("id"), body.get("resourceId")
    if not channel_id or not resource_id:
        raise errors.bad_request("Required: id and resourceId")
    try:
        _board(store).stop(email, str(channel_id), str(resource_id))
    except CalendarError as error:
        raise _api_error(error) from error
    return Response(status=204)


# -- /_dev/calendars/ -----------------------------------------------------------------------------------


def put_events(store: MailStore, request: Request, email: str) -> Response:
    """One Event, or `{"items": [Event, ...]}`: each created or replaced by id and pushed to the channels."""
    body = json_body(request)
    events = body.get("items") if set(body) == {"items"} else [body]
    if not isinstance(events, list) or not events:
        raise errors.invalid_argument("an Event or {items: [Event, ...]} is required")
    stored = []
    for event in events:
        problems = discovery.schema_errors(event, "Event")
        if problems:
            raise errors.invalid_argument(f"not an Event of calendar.v3.json: {problems[0]}")
        try:
            stored.append(_board(store).put_event(email, event))
        except CalendarError as error:
            raise _api_error(error) from error
    return json_response({"items": stored})


def delete_event(store: MailStore, request: Request, email: str, event_id: str) -> Response:
    try:
        return json_response(_board(store).delete_event(email, event_id))
    except CalendarError as error:
        raise _api_error(error) from error


def expire_sync_tokens(store: MailStore, request: Request, email: str) -> Response:
    return json_response({"email": email.lower(), "validFrom": _board(store).expire_sync_tokens(email)})


def set_time_zone(store: MailStore, request: Request, email: str) -> Response:
    """`{"timeZone": IANA name}`: the calendar's zone, as its owner sets it in Calendar's settings."""
    zone = json_body(request).get("timeZone")
    if not isinstance(zone, str) or not zone:
        raise errors.invalid_argument("timeZone (an IANA time zone name) is required")
    try:
        return json_response({"email": email.lower(), "timeZone": _board(store).set_time_zone(email, zone)})
    except CalendarError as error:
        raise _api_error(error) from error


def list_channels(store: MailStore, request: Request, email: str) -> Response:
    return json_response({"channels": _board(store).channels(email)})


def sent_notifications(store: MailStore, request: Request, email: str) -> Response:
    """Every notification sent for this calendar, headers as sent (a test replays them: duplicates, reordering)."""
    address = email.strip().lower()
    store.calendar_pusher.flush()
    return json_response({"notifications": [sent for sent in _board(store).sent if sent["email"] == address]})


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/calendar/v3/calendars/<calendar_id>/events", list_events),
    ("POST", "/calendar/v3/calendars/<calendar_id>/events/watch", watch_events),
    ("POST", "/calendar/v3/channels/stop", stop_channel),
    ("POST", "/_dev/calendars/<email>/events", put_events),
    ("DELETE", "/_dev/calendars/<email>/events/<event_id>", delete_event),
    ("POST", "/_dev/calendars/<email>/expire-sync-tokens", expire_sync_tokens),
    ("GET", "/_dev/calendars/<email>/channels", list_channels),
    ("PUT", "/_dev/calendars/<email>/time-zone", set_time_zone),
    ("GET", "/_dev/calendars/<email>/notifications", sent_notifications),
]
