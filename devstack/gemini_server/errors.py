"""Errors in the shape Vertex AI answers with: `{"error": {"code", "message", "status", "details"?}}`."""

from __future__ import annotations

from typing import Any

# The messages Vertex AI sends for the statuses a client must tell apart.
_MESSAGES = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: (
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
        "valid authentication credential.",
    ),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: (
        "RESOURCE_EXHAUSTED",
        "Resource exhausted. Please try again later. Please refer to "
        "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
    ),
    500: ("INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
}


class ApiError(Exception):
    def __init__(self, code: int, message: str | None = None, *, details: list[dict[str, Any]] | None = None) -> None:
        status, default_message = _MESSAGES.get(code, ("UNKNOWN", "Unknown error."))
        super().__init__(message or default_message)
        self.code = code
        self.status = status
        self.message = message or default_message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid_argument(message: str, *, field: str | None = None) -> ApiError:
    details = None
    if field is not None:
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}],
            }
        ]
    return ApiError(400, message, details=details)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def unauthenticated() -> ApiError:
    return ApiError(401)


def supported_fault_codes() -> frozenset[int]:
    return frozenset(_MESSAGES)
