"""The OpenAPI document of the CRM's HTTP API, generated from the same pydantic models that validate requests.

`docs/openapi.json` is this document; tests check the file is current and run schemathesis
against the functions with it. Regenerate: `.venv/bin/python -m shared.crm.openapi > docs/openapi.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.crm.kinds import KINDS
from shared.crm.models import (
    CsvImport,
    ErrorAnswer,
    InvitationAccept,
    InvitationCreate,
    PipelineUpdate,
    RoleChange,
    SearchQuery,
    TimelineQuery,
    WorkspaceCreate,
)
from shared.crm.records import Kind
from shared.crm.timeline import AUDIT_LISTING

REF = "#/components/schemas/{model}"
ERRORS = {
    "400": "Invalid input; `error.field` names the field",
    "401": "No valid Firebase ID token",
    "403": "Not a member, or the role is too low",
    "404": "No such record",
    "405": "Method not served here",
    "409": "Conflict; a stale version gets `error.current`",
}
WORKSPACE_ID = {"name": "workspaceId", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1}}
VERSION = {"name": "version", "in": "query", "required": False, "schema": {"type": "integer"}}
ANY_OBJECT = {"type": "object"}
ITEMS = {"type": "object", "properties": {"items": {"type": "array", "items": ANY_OBJECT}}}


@dataclass
class Operation:
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    parameters: list[dict[str, Any]] = field(default_factory=lambda: [WORKSPACE_ID])
    success: str = "200"
    answer: dict[str, Any] = field(default_factory=lambda: ANY_OBJECT)
    content_type: str = "application/json"


def _id_param(name: str = "id") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


def _record_paths(kind: Kind, item: str) -> dict[str, dict[str, Operation]]:
    name = kind.name
    return {
        f"/{kind.collection}": {
            "get": Operation(f"List {kind.collection} (one filter, a sort, cursor pages)", query=kind.list_query),
            "post": Operation(f"Create a {name}", body=kind.create, success="201"),
        },
        f"/{item}/{{id}}": {
            "get": Operation(f"Read a {name}", parameters=[WORKSPACE_ID, _id_param()]),
            "patch": Operation(
                f"Change a {name} (with the version you read)", body=kind.update, parameters=[WORKSPACE_ID, _id_param()]
            ),
            "delete": Operation(f"Delete a {name}", parameters=[WORKSPACE_ID, VERSION, _id_param()], success="204"),
        },
    }


ITEM_PATHS = {"contacts": "contact", "companies": "company", "deals": "deal", "notes": "note", "tasks": "task"}


def operations() -> dict[str, dict[str, Operation]]:
    paths: dict[str, dict[str, Operation]] = {}
    for collection, kind in KINDS.items():
        paths.update(_record_paths(kind, ITEM_PATHS[collection]))
    paths.update(
        {
            "/workspaces": {
                "get": Operation("Your workspaces and your role in each", parameters=[], answer=ITEMS),
                "post": Operation(
                    "Create a workspace; you are its owner", body=WorkspaceCreate, parameters=[], success="201"
                ),
            },
            "/members": {"get": Operation("Members and their roles", answer=ITEMS)},
            "/member/{uid}": {
                "patch": Operation(
                    "Change a member's role", body=RoleChange, parameters=[WORKSPACE_ID, _id_param("uid")]
                ),
                "delete": Operation(
                    "Remove a member, or leave", parameters=[WORKSPACE_ID, _id_param("uid")], success="204"
                ),
            },
            "/invitations": {
                "get": Operation("Pending invitations (admins)", answer=ITEMS),
                "post": Operation("Invite someone by email (admins)", body=InvitationCreate, success="201"),
            },
            "/invitation/{id}": {
                "delete": Operation("Revoke an invitation", parameters=[WORKSPACE_ID, _id_param()], success="204")
            },
            "/accept-invitation": {
                "post": Operation("Accept an invitation sent to your address", body=InvitationAccept, parameters=[])
            },
            "/pipeline": {
                "get": Operation("The deal pipeline's stages"),
                "put": Operation("Replace the stages (admins)", body=PipelineUpdate),
            },
            "/timeline": {"get": Operation("A record's activity, newest first", query=TimelineQuery, parameters=[])},
            "/search": {
                "get": Operation("Contacts, companies and deals by word prefixes", query=SearchQuery, parameters=[])
            },
            "/audit": {"get": Operation("The audit log, newest first", query=AUDIT_LISTING.query_model, parameters=[])},
            "/csv-import/preview": {"post": Operation("What importing this CSV would do", body=CsvImport)},
            "/csv-import/apply": {"post": Operation("Import a CSV", body=CsvImport, success="201")},
            "/csv-import/{importId}": {
                "delete": Operation("Undo a whole import", parameters=[WORKSPACE_ID, _id_param("importId")])
            },
            "/csv-export": {
                "get": Operation(
                    "Records as CSV",
                    parameters=[
                        WORKSPACE_ID,
                        {
                            "name": "kind",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "enum": ["contacts", "companies", "deals"]},
                        },
                    ],
                    content_type="text/csv",
                    answer={"type": "string"},
                )
            },
        }
    )
    return paths


def _query_parameters(model: type[BaseModel], definitions: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template=REF)
    definitions.update(schema.get("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _without_title(prop)}
        for name, prop in schema["properties"].items()
    ]


def _without_title(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "title"}


def _operation(operation: Operation, definitions: dict[str, Any]) -> dict[str, Any]:
    parameters = list(operation.parameters)
    if operation.query is not None:
        parameters += _query_parameters(operation.query, definitions)
    success: dict[str, Any] = {"description": "OK"}
    if operation.success != "204":
        success["content"] = {operation.content_type: {"schema": operation.answer}}
    error = {"content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorAnswer")}}}}
    spec: dict[str, Any] = {
        "summary": operation.summary,
        "parameters": parameters,
        "responses": {operation.success: success}
        | {code: {"description": text, **error} for code, text in ERRORS.items()},
    }
    if operation.body is not None:
        schema = {"$ref": REF.format(model=operation.body.__name__)}
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return spec


def document() -> dict[str, Any]:
    paths = operations()
    bodies = {op.body for methods in paths.values() for op in methods.values() if op.body is not None}
    models = sorted(bodies | {ErrorAnswer}, key=lambda model: model.__name__)
    _, schemas = models_json_schema([(model, "validation") for model in models], ref_template=REF, by_alias=True)
    definitions: dict[str, Any] = dict(schemas.get("$defs", {}))
    rendered = {
        path: {method: _operation(op, definitions) for method, op in methods.items()} for path, methods in paths.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rapport CRM API", "version": "1.0.0"},
        "servers": [{"url": "/", "description": "Each path is its own Cloud Function at BASE/NAME"}],
        "security": [{"firebase": []}],
        "paths": rendered,
        "components": {
            "schemas": dict(sorted(definitions.items())),
            "securitySchemes": {"firebase": {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"}},
        },
    }


if __name__ == "__main__":
    print(json.dumps(document(), indent=2))
