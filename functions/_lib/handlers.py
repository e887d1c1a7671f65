"""The two shapes of entry point, so a function file holds only what is its own.

- `http_function` serves declared operations (functions/_lib/operations.py): it picks the
  operation by method and path, reads the caller from the ID token, validates the query string and
  the JSON body into their models, checks the caller's role in the workspace they name, and turns
  the handler's answer or error into the HTTP response. `command` is the one-operation case.
- `pubsub_handler` checks the push's OIDC token (functions/_lib/callers.py), then unwraps a Pub/Sub
  CloudEvent: base64 data, decoded into a model; bad input is logged (and kept as a dead letter where
  asked) and acknowledged, never retried.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import flask
import functions_framework
from pydantic import BaseModel, TypeAdapter, ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from functions._lib.callers import internal_cloud_event
from functions._lib.http import answers_errors, caller, json_body
from functions._lib.operations import HttpMethod, Operation
from functions._lib.responses import json_response
from functions._lib.rest import function_path, query_args
from shared.auth import require_role
from shared.crm.models import RecordId
from shared.deadletters import record_dead_letter
from shared.errors import InvalidInput, MethodNotAllowed, NotFound, PermissionDenied, Unauthenticated
from shared.log import get_logger
from shared.messaging.pubsub import pubsub_data
from shared.principals import Principal, Role

if TYPE_CHECKING:
    from cloudevents.http.event import CloudEvent

B = TypeVar("B")
Q = TypeVar("Q")
Payload = TypeVar("Payload")
Answer = BaseModel | dict[str, Any] | WerkzeugResponse | None
HttpEntry = Callable[[flask.Request], WerkzeugResponse]
_RECORD_ID: TypeAdapter[str] = TypeAdapter(RecordId)


@dataclass(frozen=True)
class Call(Generic[B, Q]):
    """One validated request: who calls, their role in the workspace, the body, the query, the path's ids."""

    request: flask.Request
    body: B
    query: Q
    role: Role | None = None
    params: dict[str, str] = field(default_factory=dict)
    signed_in: Principal | None = None

    @property
    def principal(self) -> Principal:
        if self.signed_in is None:
            raise Unauthenticated("this operation needs a signed-in caller")
        return self.signed_in

    @property
    def member_role(self) -> Role:
        """The caller's role in the workspace, checked against the operation's minimum."""
        if self.role is None:
            raise PermissionDenied("this operation names no workspace")
        return self.role

    @property
    def workspace_id(self) -> str:
        workspace = _workspace_of(self.query) or _workspace_of(self.body)
        if workspace is None:
            raise InvalidInput("workspaceId: Field required", field="workspaceId")
        return workspace


Handler = Callable[[Call[Any, Any]], Answer]


@dataclass(frozen=True)
class Route:
    operation: Operation
    handler: Handler


def operation(
    method: HttpMethod,
    path: str,
    *,
    summary: str,
    minimum: Role | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    answer: type[BaseModel] | None = None,
    status: int = 200,
    content_type: str = "application/json",
    public: bool = False,
) -> Callable[[Handler], Route]:
    declared = Operation(method, path, summary, minimum, body, query, answer, status, content_type, public)
    return lambda handler: Route(declared, handler)


def http_function(name: str, *routes: Route) -> HttpEntry:
    """The entry point `name` serving `routes`; its `operations` are what it declares."""

    def entry(request: flask.Request) -> WerkzeugResponse:
        return _serve(request, routes)

    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = "; ".join(route.operation.summary for route in routes)
    entry.operations = tuple(route.operation for route in routes)  # type: ignore[attr-defined]
    return cast(HttpEntry, functions_framework.http(answers_errors(entry)))


def command(
    path: str,
    *,
    summary: str,
    minimum: Role | None,
    body: type[BaseModel],
    answer: type[BaseModel] | None = None,
    status: int = 200,
) -> Callable[[Handler], HttpEntry]:
    """An RPC-style function: `POST /api/NAME` with a JSON body naming the workspace."""

    def decorate(handler: Handler) -> HttpEntry:
        declared = operation("POST", path, summary=summary, minimum=minimum, body=body, answer=answer, status=status)
        return http_function(handler.__name__, declared(handler))

    return decorate


def _serve(request: flask.Request, routes: tuple[Route, ...]) -> WerkzeugResponse:
    served = [route for route in routes if route.operation.method == request.method]
    if not served:
        methods = sorted({route.operation.method for route in routes})
        raise MethodNotAllowed(f"{request.method} is not served here; use {', '.join(methods)}")
    segments = [part for part in function_path(request).split("/") if part]
    for route in served:
        params = route.operation.matches(segments)
        if params is not None:
            return _respond(route.operation, route.handler(_call(request, route.operation, params)))
    raise NotFound(f"no such path; {request.method} serves {', '.join(route.operation.path for route in served)}")


def _call(request: flask.Request, declared: Operation, params: dict[str, str]) -> Call[Any, Any]:
    for name, value in params.items():
        try:
            _RECORD_ID.validate_python(value)
        except ValidationError as error:
            raise InvalidInput(f"{name}: not a record id", field=name) from error
    principal = None if declared.public else caller(request)
    query = query_args(request, declared.query) if declared.query else None
    role = _role(declared, principal, query)  # before the body, when the query string names the workspace
    body = json_body(request, declared.body) if declared.body else None
    if role is None:
        role = _role(declared, principal, body)
    return Call(request, body, query, role, params, principal)


def _role(declared: Operation, principal: Principal | None, model: object) -> Role | None:
    workspace = _workspace_of(model)
    if declared.minimum is None or principal is None or workspace is None:
        return None
    return require_role(workspace, principal, declared.minimum)


def _workspace_of(model: object) -> str | None:
    workspace = getattr(model, "workspace_id", None) or getattr(model, "workspaceId", None)
    return str(workspace) if workspace else None


def _respond(declared: Operation, answer: Answer) -> WerkzeugResponse:
    if isinstance(answer, WerkzeugResponse):
        return answer
    if answer is None:
        return flask.Response(status=declared.status)
    payload = answer.model_dump(mode="json", by_alias=True) if isinstance(answer, BaseModel) else answer
    return json_response(payload, declared.status)


def pubsub_handler(
    decode: Callable[[bytes], Payload], *, describes: str, dead_letters_from: str | None = None
) -> Callable[[Callable[[Payload], None]], Callable[[CloudEvent], None]]:
    """A Pub/Sub-triggered entry point whose handler gets the decoded payload.

    Bad input is acknowledged, not retried: it never becomes valid. With `dead_letters_from` it is
    also kept for a person to look at; otherwise a later message covers what it announced."""

    def decorate(handler: Callable[[Payload], None]) -> Callable[[CloudEvent], None]:
        log = get_logger(handler.__name__)

        @functools.wraps(handler)
        def entry(event: CloudEvent) -> None:
            message = (event.data or {}).get("message") or {}
            try:
                payload = decode(pubsub_data(message.get("data")))
            except InvalidInput as error:
                extra: dict[str, Any] = {"reason": error.message, "pubsubId": message.get("messageId")}
                if dead_letters_from is not None:
                    raw = str(message.get("data") or "").encode()
                    extra["deadLetterId"] = record_dead_letter(
                        source=dead_letters_from, reason=error.message, payload=raw
                    )
                log.warning(f"dropped a malformed {describes}", extra=extra)
                return
            handler(payload)

        return internal_cloud_event(entry)  # the push's OIDC token is checked before the message is read

    return decorate
