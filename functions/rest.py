"""What the CRM's REST functions share: routing by method, the record id in the path, query strings as models.

A function is served at /NAME; the functions host (and Cloud Functions) hands it the rest of the
path as `request.path`: `/` for a collection, `/{id}` for one record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import flask
from pydantic import BaseModel, TypeAdapter, ValidationError

from functions.http import caller, json_body
from functions.responses import invalid_body, json_response
from shared.auth import require_role
from shared.crm.kinds import records
from shared.crm.models import RecordId
from shared.crm.records import Kind
from shared.errors import InvalidInput, MethodNotAllowed, NotFound
from shared.principals import Principal, Role

Query = TypeVar("Query", bound=BaseModel)
_RECORD_ID: TypeAdapter[str] = TypeAdapter(RecordId)
Handler = Callable[[flask.Request], flask.Response]


class WorkspaceQuery(BaseModel):
    workspaceId: RecordId


class VersionQuery(WorkspaceQuery):
    version: int | None = None


def route(request: flask.Request, handlers: Mapping[str, Handler]) -> flask.Response:
    handler = handlers.get(request.method)
    if handler is None:
        raise MethodNotAllowed(f"{request.method} is not served here; use {', '.join(sorted(handlers))}")
    return handler(request)


def query_args(request: flask.Request, model: type[Query]) -> Query:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise invalid_body(error) from error


def function_path(request: flask.Request) -> str:
    """The path after the function's own name. Behind Firebase Hosting a function sees the whole
    public path, `/api/NAME/rest`; called directly it sees `/rest`."""
    segments = [part for part in request.path.split("/") if part]
    if len(segments) >= 2 and segments[0] == "api":
        segments = segments[2:]
    return "/" + "/".join(segments)


def path_id(request: flask.Request) -> str:
    """The `{id}` of `/{id}`."""
    segments = [part for part in function_path(request).split("/") if part]
    if len(segments) != 1:
        raise NotFound("name one record: /{id}")
    try:
        return str(_RECORD_ID.validate_python(segments[0]))
    except ValidationError as error:
        raise InvalidInput("id: not a record id", field="id") from error


def member(request: flask.Request, minimum: Role, model: type[Query]) -> tuple[Principal, Query]:
    """The caller, checked to hold at least `minimum` in the workspace the query string names."""
    principal = caller(request)
    query = query_args(request, model)
    require_role(query.model_dump(by_alias=True)["workspaceId"], principal, minimum)
    return principal, query


def workspace_member(request: flask.Request, minimum: Role) -> tuple[Principal, str]:
    principal, query = member(request, minimum, WorkspaceQuery)
    return principal, query.workspaceId


def serve_collection(request: flask.Request, kind: Kind) -> flask.Response:
    """GET lists (filters, sort, cursor); POST creates."""

    def listing(request: flask.Request) -> flask.Response:
        _, query = member(request, Role.VIEWER, kind.list_query)
        return json_response(records(kind).list_page(query).to_dict())

    def creating(request: flask.Request) -> flask.Response:
        principal, workspace_id = workspace_member(request, Role.MEMBER)
        body = json_body(request, kind.create)
        return json_response(records(kind).create(workspace_id, principal, body), 201)

    return route(request, {"GET": listing, "POST": creating})


def serve_record(request: flask.Request, kind: Kind) -> flask.Response:
    """GET reads, PATCH changes (with the version the client saw), DELETE removes one record."""

    def reading(request: flask.Request) -> flask.Response:
        _, workspace_id = workspace_member(request, Role.VIEWER)
        return json_response(records(kind).get(workspace_id, path_id(request)))

    def changing(request: flask.Request) -> flask.Response:
        principal, workspace_id = workspace_member(request, Role.MEMBER)
        body = json_body(request, kind.update)
        return json_response(records(kind).update(workspace_id, actor=principal, record_id=path_id(request), body=body))

    def deleting(request: flask.Request) -> flask.Response:
        principal, query = member(request, Role.MEMBER, VersionQuery)
        records(kind).delete(query.workspaceId, actor=principal, record_id=path_id(request), version=query.version)
        return flask.Response(status=204)

    return route(request, {"GET": reading, "PATCH": changing, "DELETE": deleting})
