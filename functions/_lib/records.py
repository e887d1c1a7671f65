"""The REST operations every record kind has: GET/POST on the collection, GET/PATCH/DELETE on `/{id}`."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, Route, operation
from functions._lib.rest import VersionQuery, WorkspaceQuery
from shared.crm.answers import RECORD_ANSWERS
from shared.crm.kinds import records
from shared.crm.records import Kind
from shared.principals import Role


def collection_routes(kind: Kind) -> tuple[Route, ...]:
    """GET lists (filters, sort, cursor); POST creates."""
    path, name = f"/{kind.collection}", kind.name
    record, page = RECORD_ANSWERS[kind.collection]

    @operation(
        "GET",
        path,
        summary=f"List {kind.collection} (filters, a sort, cursor pages)",
        answer=page,
        minimum=Role.VIEWER,
        query=kind.list_query,
    )
    def listing(call: Call[None, Any]) -> dict[str, Any]:
        return records(kind).list_page(call.query).to_dict()

    @operation(
        "POST",
        path,
        summary=f"Create a {name}",
        answer=record,
        minimum=Role.MEMBER,
        query=WorkspaceQuery,
        body=kind.create,
        status=201,
    )
    def creating(call: Call[Any, WorkspaceQuery]) -> dict[str, Any]:
        return records(kind).create(call.workspace_id, call.principal, call.body)

    return listing, creating


def record_routes(kind: Kind) -> tuple[Route, ...]:
    """GET reads, PATCH changes (with the version the client saw), DELETE removes one record."""
    path, name = f"/{kind.name}/{{id}}", kind.name
    record, _ = RECORD_ANSWERS[kind.collection]

    @operation("GET", path, summary=f"Read a {name}", answer=record, minimum=Role.VIEWER, query=WorkspaceQuery)
    def reading(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
        return records(kind).get(call.workspace_id, call.params["id"])

    @operation(
        "PATCH",
        path,
        summary=f"Change a {name} (with the version you read)",
        answer=record,
        minimum=Role.MEMBER,
        query=WorkspaceQuery,
        body=kind.update,
    )
    def changing(call: Call[Any, WorkspaceQuery]) -> dict[str, Any]:
        return records(kind).update(
            call.workspace_id, actor=call.principal, record_id=call.params["id"], body=call.body
        )

    @operation("DELETE", path, summary=f"Delete a {name}", minimum=Role.MEMBER, query=VersionQuery, status=204)
    def deleting(call: Call[None, VersionQuery]) -> None:
        records(kind).delete(
            call.workspace_id, actor=call.principal, record_id=call.params["id"], version=call.query.version
        )

    return reading, changing, deleting
