"""Errors in the exact shapes Google answers with, so clients exercise their real error handling."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Gmail API error, rendered as `{"error": {"code", "message", "errors": [...], "status"}}`."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str,
        status: str,
        domain: str = "global",
        detail: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.status = status
        self.domain = domain
        self.detail = detail or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        item = {"message": self.message, "domain": self.domain, "reason": self.reason, **self.detail}
        return {"error": {"code": self.code, "message": self.message, "errors": [item], "status": self.status}}


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, message, reason="invalidArgument", status="INVALID_ARGUMENT")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, reason="badRequest", status="INVALID_ARGUMENT")


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    return ApiError(404, message, reason="notFound", status="NOT_FOUND")


def full_sync_required() -> ApiError:
    """The Calendar API's answer to a sync token it no longer honours."""
    return ApiError(
        410, "Sync token is no longer valid, a full sync is required.", reason="fullSyncRequired", status="GONE"
    )


def unauthenticated() -> ApiError:
    return ApiError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
        "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        reason="authError",
        status="UNAUTHENTICATED",
        detail={"location": "Authorization", "locationType": "header"},
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def delegation_denied(user_id: str) -> ApiError:
    return ApiError(403, f"Delegation denied for {user_id}", reason="forbidden", status="PERMISSION_DENIED")


def backend_error() -> ApiError:
    return ApiError(500, "Backend Error", reason="backendError", status="INTERNAL")


class OAuthError(Exception):
    """An OAuth token endpoint error: `{"error": ..., "error_description": ...}`, as Google's token endpoint does."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def invalid_grant(description: str = "Bad Request") -> OAuthError:
    return OAuthError(400, "invalid_grant", description)


def invalid_client(description: str = "Unauthorized") -> OAuthError:
    return OAuthError(401, "invalid_client", description)


def invalid_request(description: str) -> OAuthError:
    return OAuthError(400, "invalid_request", description)


def unavailable() -> ApiError:
    return ApiError(503, "The service is currently unavailable.", reason="backendError", status="UNAVAILABLE")


def user_rate_limited(retry_at_iso: str, retry_after_seconds: int) -> ApiError:
    # Gmail names the moment in the message; the header is what generic HTTP clients read.
    return ApiError(
        429,
        f"User-rate limit exceeded.  Retry after {retry_at_iso}",
        reason="userRateLimitExceeded",
        status="RESOURCE_EXHAUSTED",
        domain="usageLimits",
        headers={"Retry-After": str(retry_after_seconds)},
    )


def insufficient_permissions(accepted_scopes: list[str]) -> ApiError:
    return ApiError(
        403,
        "Request had insufficient authentication scopes.",
        reason="insufficientPermissions",
        status="PERMISSION_DENIED",
        headers={
            "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="insufficient_scope", '
            f'scope="{" ".join(accepted_scopes)}"'
        },
    )


def redirect_uri_mismatch() -> OAuthError:
    return OAuthError(400, "redirect_uri_mismatch", "Bad Request")
