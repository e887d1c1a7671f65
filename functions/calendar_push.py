"""Google Calendar push (events.watch channels) → a calendar sync task, once per new message.

Public, as Google's notifications carry no Google-signed identity: the channel's own secret token is
what proves a push genuine (shared/calendar/channels.py, decision 37)."""

from __future__ import annotations

from functions._lib.handlers import Call, http_function, operation
from shared.calendar.channels import Push, accept_push
from shared.calendar.state import PushVerdict
from shared.calendar.sync import request_calendar_sync
from shared.crm.answers import CalendarPushAnswer
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.log import get_logger

log = get_logger("calendar_push")


def _push(call: Call[None, None]) -> Push:
    headers = call.request.headers
    number = headers.get("X-Goog-Message-Number", "")
    if not number.isdigit() or not headers.get("X-Goog-Channel-ID"):
        raise InvalidInput("not a Google Calendar notification: channel id and message number are required")
    return Push(
        channel_id=headers["X-Goog-Channel-ID"][:128],
        token=headers.get("X-Goog-Channel-Token"),
        resource_id=headers.get("X-Goog-Resource-ID", ""),
        resource_state=headers.get("X-Goog-Resource-State", ""),
        message_number=int(number),
    )


@operation(
    "POST",
    "/calendar-push",
    summary="Google Calendar's push notification for a watched calendar",
    minimum=None,
    answer=CalendarPushAnswer,
    public=True,
)
def _notified(call: Call[None, None]) -> CalendarPushAnswer:
    push = _push(call)
    verdict, ref = accept_push(push)
    if verdict is PushVerdict.FORGED:
        log.warning("calendar push with a wrong channel token or resource", extra={"channelId": push.channel_id})
        raise PermissionDenied("this notification's channel token does not match")
    if verdict is PushVerdict.UNKNOWN_CHANNEL:
        raise NotFound("no such channel")  # a stopped channel's stragglers, or a made-up one
    if verdict is PushVerdict.SYNC and ref is not None:
        request_calendar_sync(ref)
    log.info("calendar push", extra={"verdict": verdict.value})
    return CalendarPushAnswer(outcome=verdict.value)


calendar_push = http_function("calendar_push", _notified)
