"""Faults a test switches on over HTTP: the next N matching calls fail the way Google fails, then heal.

The stack runs the server in a subprocess, so rules live in the server and are set through `/_dev/faults`.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

from devstack.gmail_server import errors

ANY_OPERATION = "*"
TOKEN_OPERATION = "token"  # noqa: S105 - the token endpoint's name, not a secret
# Short names a test uses -> the operation names the handlers report.
API_OPERATIONS = {
    "getProfile": "users.getProfile",
    "messages.list": "users.messages.list",
    "messages.get": "users.messages.get",
    "attachments.get": "users.messages.attachments.get",
    "history.list": "users.history.list",
    "watch": "users.watch",
    "stop": "users.stop",
    # The Calendar API, served by the same local Google (devstack/calendar_server/).
    "events.list": "calendar.events.list",
    "events.watch": "calendar.events.watch",
    "channels.stop": "calendar.channels.stop",
}
_HISTORY_LIST = "users.history.list"
_EVENTS_LIST = "calendar.events.list"
KINDS = ("server_error", "unavailable", "rate_limit", "history_expired", "sync_token_expired", "revoked")
_RATE_LIMIT_RETRY_SECONDS = 1


@dataclass
class FaultRule:
    id: int
    email: str | None  # None: every mailbox
    operation: str  # a handler operation name, "token" or "*"
    kind: str
    remaining: int | None  # None: until cleared
    hits: int = 0

    def matches(self, email: str | None, operation: str) -> bool:
        if self.email is not None and self.email != email:
            return False
        if self.kind == "history_expired":
            return operation == _HISTORY_LIST and self.operation in (ANY_OPERATION, _HISTORY_LIST)
        if self.kind == "sync_token_expired":
            return operation == _EVENTS_LIST and self.operation in (ANY_OPERATION, _EVENTS_LIST)
        return self.operation in (ANY_OPERATION, operation)

    def as_json(self) -> dict[str, object]:
        short = {value: key for key, value in API_OPERATIONS.items()}
        return {
            "id": self.id,
            "email": self.email,
            "operation": short.get(self.operation, self.operation),
            "kind": self.kind,
            "remaining": self.remaining,
            "hits": self.hits,
        }


class FaultBoard:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, *, email: str | None, operation: str, kind: str, count: int | None) -> FaultRule:
        """Add a rule; raises ValueError naming the bad field. Operations use the short names of API_OPERATIONS."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if operation not in (*API_OPERATIONS, TOKEN_OPERATION, ANY_OPERATION):
            raise ValueError(f"operation must be one of {', '.join([*API_OPERATIONS, TOKEN_OPERATION, '*'])}")
        if kind == "history_expired" and operation not in ("history.list", ANY_OPERATION):
            raise ValueError("history_expired applies to history.list only")
        if kind == "sync_token_expired" and operation not in ("events.list", ANY_OPERATION):
            raise ValueError("sync_token_expired applies to events.list only")
        if count is not None and count < 1:
            raise ValueError("count must be a positive integer, or omitted for a fault that lasts until cleared")
        with self._lock:
            rule = FaultRule(
                next(self._ids),
                email.strip().lower() if email else None,
                API_OPERATIONS.get(operation, operation),
                kind,
                count,
            )
            self._rules.append(rule)
        return rule

    def clear(self, email: str | None = None) -> int:
        with self._lock:
            kept = [rule for rule in self._rules if email is not None and rule.email != email.strip().lower()]
            cleared = len(self._rules) - len(kept)
            self._rules = kept
        return cleared

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, email: str | None, operation: str) -> str | None:
        """The kind of fault this call suffers, if any; spends one of the matching rule's count."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(email, operation):
                    rule.hits += 1
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining == 0:
                            self._rules.remove(rule)
                    return rule.kind
        return None


def api_error(kind: str) -> errors.ApiError:
    """How Gmail answers an API call that suffers `kind`."""
    if kind == "server_error":
        return errors.backend_error()
    if kind == "unavailable":
        return errors.unavailable()
    if kind == "rate_limit":
        return errors.ApiError(
            429,
            "User-rate limit exceeded.",
            reason="userRateLimitExceeded",
            status="RESOURCE_EXHAUSTED",
            domain="usageLimits",
            headers={"Retry-After": str(_RATE_LIMIT_RETRY_SECONDS)},
        )
    if kind == "history_expired":
        return errors.not_found()
    if kind == "sync_token_expired":
        return errors.full_sync_required()
    return errors.unauthenticated()  # revoked: the access token no longer works


def token_error(kind: str) -> errors.OAuthError:
    """How Google's token endpoint answers when it suffers `kind`."""
    if kind == "server_error":
        return errors.OAuthError(500, "internal_failure", "Backend Error")
    if kind == "unavailable":
        return errors.OAuthError(503, "temporarily_unavailable", "The service is currently unavailable.")
    if kind == "rate_limit":
        return errors.OAuthError(429, "rate_limit_exceeded", "Rate limit exceeded.")
    return errors.invalid_grant("Token has been expired or revoked.")
