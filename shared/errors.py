"""Rapport's one error vocabulary. Adapters map these to transport answers in one table."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error Rapport raises on purpose. `code` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class InvalidInput(DomainError):
    """The caller sent something malformed. Never worth retrying."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class PermissionDenied(DomainError):
    code = "permission_denied"


class GrantNeeded(PermissionDenied):
    """The user's Google grant lacks a scope this needs; `scope` names it, so the app can ask for that one."""

    code = "grant_needed"


class RetryLater(DomainError):
    """A transient condition (quota, a busy lease, an outage): the event should be delivered again."""

    code = "retry_later"

    def __init__(self, message: str, *, retry_after_seconds: float | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.retry_after_seconds = retry_after_seconds


class MailboxDisconnected(DomainError):
    """Google revoked or expired the grant: the user must reconnect. Never retried."""

    code = "mailbox_disconnected"


class BudgetExceeded(DomainError):
    """The workspace's monthly AI budget cannot cover the call: nothing was called. Not retried."""

    code = "budget_exceeded"


class AiCallRejected(DomainError):
    """The model call failed in a way retrying cannot fix: a bad request, an unknown model, unusable output."""

    code = "ai_call_rejected"


class MethodNotAllowed(DomainError):
    """The path exists but does not answer this HTTP method."""

    code = "method_not_allowed"
