"""One user's Gmail through the official client, with Google's errors mapped to Rapport's."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import google.auth.exceptions
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from shared.clients import gmail_batch, gmail_service
from shared.errors import MailboxDisconnected, NotFound, RetryLater
from shared.pipeline.fetched import FetchedMessage
from shared.settings import get_settings

GMAIL_READONLY_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
# Asked for only when a user lets Rapport send invitations from their Gmail; sync never needs it.
GMAIL_SEND_SCOPE = "https://www.googleapis.com/auth/gmail.send"
# Asked for only when a user first confirms a draft the assistant wrote; it creates drafts, never sends.
GMAIL_COMPOSE_SCOPE = "https://www.googleapis.com/auth/gmail.compose"
# Asked for only when a user connects their calendar (the same grant, incrementally); read-only.
CALENDAR_READONLY_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
RATE_LIMIT_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"})
BATCH_ROUNDS = 4  # a batch's retryable failures are fetched again this many times before giving up


SCOPE_REASONS = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})


class ScopeMissing(Exception):
    """The grant lacks the scope a call needs (Gmail's 403, or Google refusing the scope on refresh)."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class HistoryExpired(Exception):
    """history.list answered 404: the cursor is older than Gmail keeps; a full sync must follow."""


def credentials_for(refresh_token: str, scope: str = GMAIL_READONLY_SCOPE) -> Credentials:
    settings = get_settings()
    return Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=settings.oauth_token_uri,
        client_id=settings.oauth_client_id,
        client_secret=settings.oauth_client_secret_value(),
        scopes=[scope],
    )


def error_reason(error: HttpError) -> str:
    try:
        body = json.loads(error.content or b"{}")
    except ValueError:
        return ""
    if isinstance(body.get("error"), str):  # OAuth endpoints answer {"error": "invalid_grant"}
        return str(body["error"])
    details = (body.get("error") or {}).get("errors") or [{}]
    return str(details[0].get("reason", ""))


def retry_after(error: HttpError) -> float | None:
    value = error.resp.get("retry-after") if error.resp is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def translate(error: Exception) -> Exception:
    """Google's failure → Rapport's error vocabulary."""
    if isinstance(error, google.auth.exceptions.RefreshError):
        return MailboxDisconnected(f"Google no longer accepts this mailbox's grant ({error}); connect Gmail again")
    if not isinstance(error, HttpError):
        return error
    status, reason = error.status_code, error_reason(error)
    if status == 401 or reason == "invalid_grant":
        return MailboxDisconnected("Google rejected this mailbox's credentials; connect Gmail again")
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return RetryLater("Gmail rate limit reached", retry_after_seconds=retry_after(error) or 1.0)
    if status >= 500:
        return RetryLater(f"Gmail is unavailable ({status})", retry_after_seconds=retry_after(error) or 1.0)
    if status == 404:
        return NotFound(f"Gmail: {reason or 'not found'}")
    return error


def _retryable(error: Exception) -> bool:
    return isinstance(translate(error), RetryLater)


class GmailMailbox:
    """The calls sync makes. `service` is a googleapiclient Resource for gmail v1."""

    def __init__(self, service: Any) -> None:
        self._users = service.users()
        self._service = service

    @classmethod
    def for_refresh_token(cls, refresh_token: str, scope: str = GMAIL_READONLY_SCOPE) -> GmailMailbox:
        return cls(gmail_service(credentials_for(refresh_token, scope)))

    def _call(self, request: Any) -> Any:
        return self._execute(request, num_retries=3)  # the client backs off on 429 and 5xx itself

    def _execute(self, request: Any, **options: Any) -> Any:
        try:
            return request.execute(**options)
        except (HttpError, google.auth.exceptions.RefreshError) as error:
            raise translate(error) from error

    def profile(self) -> tuple[str, int]:
        profile = self._call(self._users.getProfile(userId="me"))
        return profile["emailAddress"], int(profile["historyId"])

    def watch(self, topic: str, *, label_ids: Sequence[str] = ("INBOX", "SENT")) -> tuple[int, int]:
        body = {"topicName": topic, "labelIds": list(label_ids), "labelFilterBehavior": "include"}
        answer = self._call(self._users.watch(userId="me", body=body))
        return int(answer["historyId"]), int(answer["expiration"])

    def send(self, raw: bytes) -> str:
        """Sends an RFC 822 message as this mailbox (needs the gmail.send grant); returns Gmail's message id.
        Never retried: a send that timed out may have gone, and a second copy would be worse than none."""
        body = {"raw": base64.urlsafe_b64encode(raw).decode("ascii")}
        return str(self._execute(self._users.messages().send(userId="me", body=body))["id"])

    def create_draft(self, raw: bytes, *, thread_id: str | None = None) -> dict[str, Any]:
        """Creates a draft of an RFC 822 message in this mailbox (needs the gmail.compose grant), threaded
        into `thread_id` when given; returns Gmail's draft (`id`, `message.id`, `message.threadId`).
        A grant without compose raises ScopeMissing. Never retried, like send: a second draft is clutter."""
        message: dict[str, Any] = {"raw": base64.urlsafe_b64encode(raw).decode("ascii")}
        if thread_id:
            message["threadId"] = thread_id
        try:
            return dict(self._users.drafts().create(userId="me", body={"message": message}).execute())
        except HttpError as error:
            if error.status_code == 403 and error_reason(error) in SCOPE_REASONS:
                raise ScopeMissing(GMAIL_COMPOSE_SCOPE) from error
            raise translate(error) from error
        except google.auth.exceptions.RefreshError as error:
            if "invalid_scope" in str(error):  # Google refuses to refresh for a scope never granted
                raise ScopeMissing(GMAIL_COMPOSE_SCOPE) from error
            raise translate(error) from error

    def stop_watch(self) -> None:
        self._call(self._users.stop(userId="me"))

    def message_id_pages(self, query: str, *, page_size: int = 500) -> Iterator[list[str]]:
        page_token = None
        while True:
            answer = self._call(
                self._users.messages().list(userId="me", q=query, maxResults=page_size, pageToken=page_token)
            )
            yield [message["id"] for message in answer.get("messages", [])]
            page_token = answer.get("nextPageToken")
            if not page_token:
                return

    def added_since(self, start_history_id: int, excluded_labels: frozenset[str]) -> tuple[list[str], int]:
        """Ids of messages added since the cursor (in order, once each) and the mailbox's new historyId."""
        added: dict[str, None] = {}
        page_token = None
        latest = start_history_id
        while True:
            try:
                answer = (
                    self._users.history()
                    .list(
                        userId="me",
                        startHistoryId=str(start_history_id),
                        historyTypes=["messageAdded"],
                        pageToken=page_token,
                    )
                    .execute(num_retries=3)
                )
            except HttpError as error:
                if error.status_code == 404:
                    raise HistoryExpired(str(start_history_id)) from error
                raise translate(error) from error
            except google.auth.exceptions.RefreshError as error:
                raise translate(error) from error
            for record in answer.get("history", []):
                for item in record.get("messagesAdded", []):
                    message = item["message"]
                    if not excluded_labels.intersection(message.get("labelIds", [])):
                        added[message["id"]] = None
            latest = max(latest, int(answer.get("historyId", latest)))
            page_token = answer.get("nextPageToken")
            if not page_token:
                return list(added), latest

    def fetch_raw(self, message_ids: Sequence[str]) -> list[FetchedMessage]:
        """Fetches messages in one HTTP batch; items that failed transiently are fetched again.
        Messages deleted since they were listed are skipped."""
        fetched: dict[str, FetchedMessage] = {}
        pending = list(message_ids)
        for attempt in range(BATCH_ROUNDS):
            failures = self._fetch_round(pending, into=fetched)
            fatal = [error for error in failures.values() if not _retryable(error)]
            if fatal:
                raise translate(fatal[0])
            pending = list(failures)
            if not pending:
                break
            waits = [translate(error) for error in failures.values()]
            time.sleep(max(w.retry_after_seconds or 0.5 for w in waits if isinstance(w, RetryLater)) * (attempt + 1))
        if pending:
            raise RetryLater(f"Gmail kept failing for {len(pending)} messages", retry_after_seconds=5.0)
        return [fetched[message_id] for message_id in message_ids if message_id in fetched]

    def _fetch_round(self, message_ids: Sequence[str], *, into: dict[str, FetchedMessage]) -> dict[str, Exception]:
        failures: dict[str, Exception] = {}

        def collect(request_id: str, response: Any, error: Exception | None) -> None:
            if error is None:
                into[request_id] = _fetched(response)
            elif not (isinstance(error, HttpError) and error.status_code == 404):
                failures[request_id] = error

        batch = gmail_batch(self._service, collect)
        for message_id in message_ids:
            batch.add(self._users.messages().get(userId="me", id=message_id, format="raw"), request_id=message_id)
        self._execute(batch)  # a batch is one HTTP call; its items' failures come back through `collect`
        return failures


def _fetched(message: dict[str, Any]) -> FetchedMessage:
    return FetchedMessage(
        id=message["id"],
        thread_id=message.get("threadId", message["id"]),
        label_ids=tuple(message.get("labelIds", [])),
        history_id=int(message.get("historyId", 0)),
        internal_date_ms=int(message.get("internalDate", 0)),
        raw=base64.urlsafe_b64decode(message["raw"] + "=" * (-len(message["raw"]) % 4)),
    )
