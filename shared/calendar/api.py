"""One user's primary calendar through the official client, with Google's errors mapped to Rapport's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import google.auth.exceptions
from googleapiclient.errors import HttpError

from shared.clients import calendar_service
from shared.errors import RetryLater
from shared.gmail.api import (
    CALENDAR_READONLY_SCOPE,
    RATE_LIMIT_REASONS,
    SCOPE_REASONS,
    credentials_for,
    error_reason,
    retry_after,
)

PAGE_SIZE = 250  # Google's default page; a page is applied and forgotten before the next is read
RETRIES = 3  # the client backs off on 429 and 5xx itself before Rapport's task is retried


class SyncTokenExpired(Exception):
    """events.list answered 410 GONE: the stored sync token is no longer honoured; a full sync must follow."""


class CalendarAccessLost(Exception):
    """Google no longer lets Rapport read this calendar: the grant was revoked, or never included calendar."""

    def __init__(self, message: str, *, scope_missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.scope_missing = scope_missing


@dataclass(frozen=True)
class EventsPage:
    items: list[dict[str, Any]]
    next_sync_token: str | None  # on the last page only
    time_zone: str | None = None  # the calendar's (Events.timeZone): the zone its all-day events are days in


@dataclass(frozen=True)
class OpenedChannel:
    resource_id: str
    expiration_ms: int


def translate(error: Exception) -> Exception:
    """Google's failure → what the calendar sync does about it."""
    if isinstance(error, google.auth.exceptions.RefreshError):
        if "invalid_scope" in str(error):
            return CalendarAccessLost("the Google grant does not include the calendar", scope_missing=True)
        return CalendarAccessLost("Google no longer accepts this account's grant (it was revoked or expired)")
    if not isinstance(error, HttpError):
        return error
    status, reason = error.status_code, error_reason(error)
    if status == 410:
        return SyncTokenExpired(reason)
    if status == 401 or reason == "invalid_grant":
        return CalendarAccessLost("Google rejected this account's credentials (the grant was revoked)")
    if status == 403 and reason in SCOPE_REASONS:
        return CalendarAccessLost("the Google grant does not include the calendar", scope_missing=True)
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return RetryLater("Calendar rate limit reached", retry_after_seconds=retry_after(error) or 1.0)
    if status >= 500:
        return RetryLater(f"Google Calendar is unavailable ({status})", retry_after_seconds=retry_after(error) or 1.0)
    return error


class PrimaryCalendar:
    """The calls calendar sync makes. `service` is a googleapiclient Resource for calendar v3."""

    def __init__(self, service: Any) -> None:
        self._service = service

    @classmethod
    def for_refresh_token(cls, refresh_token: str) -> PrimaryCalendar:
        return cls(calendar_service(credentials_for(refresh_token, CALENDAR_READONLY_SCOPE)))

    def _call(self, request: Any) -> Any:
        try:
            return request.execute(num_retries=RETRIES)
        except (HttpError, google.auth.exceptions.RefreshError) as error:
            raise translate(error) from error

    def pages(
        self, *, sync_token: str | None = None, window: tuple[datetime, datetime] | None = None
    ) -> Iterator[EventsPage]:
        """Every page of events since `sync_token`, or (a full sync) of those overlapping `window`,
        deleted ones included so a resync also removes what was cancelled. Recurring events come as
        their instances (singleEvents), which is what a meeting is."""
        params: dict[str, Any] = {"calendarId": "primary", "singleEvents": True, "maxResults": PAGE_SIZE}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params["showDeleted"] = True
            if window is not None:
                params["timeMin"], params["timeMax"] = (moment.isoformat() for moment in window)
        page_token = None
        while True:
            answer = self._call(self._service.events().list(pageToken=page_token, **params))
            page_token = answer.get("nextPageToken")
            yield EventsPage(
                list(answer.get("items", [])),
                None if page_token else answer.get("nextSyncToken"),
                answer.get("timeZone"),
            )
            if not page_token:
                return

    def watch(self, *, channel_id: str, token: str, address: str, ttl_seconds: int) -> OpenedChannel:
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "params": {"ttl": str(ttl_seconds)},
        }
        answer = self._call(self._service.events().watch(calendarId="primary", body=body))
        return OpenedChannel(str(answer["resourceId"]), int(answer["expiration"]))

    def stop(self, *, channel_id: str, resource_id: str) -> None:
        try:
            self._call(self._service.channels().stop(body={"id": channel_id, "resourceId": resource_id}))
        except HttpError as error:
            if error.status_code != 404:  # already gone at Google: nothing left to stop
                raise
