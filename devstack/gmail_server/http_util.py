"""Small helpers shared by the HTTP handlers."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from devstack.gmail_server import errors

JSON_TYPE = "application/json; charset=UTF-8"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status=status, content_type=JSON_TYPE, headers=headers)


def api_error_response(error: errors.ApiError) -> Response:
    return json_response(error.body(), error.code, error.headers)


def json_body(request: Request) -> dict[str, Any]:
    if not request.get_data():
        return {}
    try:
        body = json.loads(request.get_data())
    except ValueError as error:
        raise errors.invalid_argument(f"Invalid JSON payload received. {error}") from error
    if not isinstance(body, dict):
        raise errors.invalid_argument("Invalid JSON payload received. Expected an object.")
    return body


def int_param(request: Request, name: str, *, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise errors.invalid_argument(f"Invalid value for {name}: {raw}") from error
    if value < 0:
        raise errors.invalid_argument(f"Invalid value for {name}: {raw}")
    # Gmail treats 0 as "use the default" and silently caps larger values.
    return default if value == 0 else min(value, maximum)


def bool_param(request: Request, name: str) -> bool:
    raw = request.args.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise errors.invalid_argument(f"Invalid value for {name}: {raw}")
    return raw == "true"
