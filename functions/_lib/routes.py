"""The route table: every public HTTP function's declared operations, and the files generated from it,
docs/openapi.json and the /api rewrites of Firebase Hosting in firebase.json.

Regenerate both: `.venv/bin/python -m functions._lib.routes`; tests fail while either is stale.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from functions._lib.operations import Operation
from functions._lib.responses import STATUS_BY_ERROR
from shared.crm.models import ErrorAnswer
from shared.resources import resources

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_FILE = ROOT / "docs" / "openapi.json"
FIREBASE_FILE = ROOT / "firebase.json"
REF = "#/components/schemas/{model}"
ERROR_MEANINGS = {
    400: "Invalid input; `error.field` names the field",
    401: "No valid Firebase ID token",
    402: "The workspace's AI budget is spent",
    403: "Not a member, or the role is too low",
    404: "No such record or path",
    405: "Method not served here",
    409: "Conflict; a stale version gets `error.current`",
    422: "The AI model refused the request",
    503: "Try again later (`Retry-After`)",
}
APP_CATCH_ALL = {"source": "**", "destination": "/index.html"}


def public_functions() -> dict[str, str]:
    """Function name → entry point, for the HTTP functions anyone may call (through Hosting)."""
    return {
        name: function.entry_point
        for name, function in sorted(resources().functions.items())
        if function.trigger == "http" and function.invoker == "public"
    }


def route_table() -> dict[str, tuple[Operation, ...]]:
    """Function name → the operations its entry point declares."""
    table = {}
    for name, entry_point in public_functions().items():
        entry = getattr(importlib.import_module(f"functions.{entry_point}"), entry_point)
        operations: tuple[Operation, ...] = getattr(entry, "operations", ())
        table[name] = operations
    return table


# -- Firebase Hosting ------------------------------------------------------------------------
def hosting_rewrites(table: dict[str, tuple[Operation, ...]]) -> list[dict[str, Any]]:
    """`/api/NAME` and everything under it goes to function NAME in the deployed region (Hosting assumes
    us-central1 otherwise); the app's own routes come last."""
    functions = sorted({operation.function for operations in table.values() for operation in operations})
    region = resources().region
    rewrites: list[dict[str, Any]] = [
        {"regex": f"^/api/{name}(/.*)?$", "function": {"functionId": name, "region": region}} for name in functions
    ]
    return [*rewrites, APP_CATCH_ALL]


def firebase_config(table: dict[str, tuple[Operation, ...]]) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(FIREBASE_FILE.read_text())
    config["hosting"]["rewrites"] = hosting_rewrites(table)
    return config


# -- OpenAPI ---------------------------------------------------------------------------------
def openapi_document(table: dict[str, tuple[Operation, ...]]) -> dict[str, Any]:
    operations = [operation for operations in table.values() for operation in operations]
    definitions = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for operation in sorted(operations, key=lambda op: op.path):
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, definitions)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rapport CRM API", "version": "1.0.0"},
        "servers": [{"url": "/api", "description": "Firebase Hosting; each first path segment is its own function"}],
        "security": [{"firebase": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(definitions.items())),
            "securitySchemes": {"firebase": {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"}},
        },
    }


def _schemas(operations: list[Operation]) -> dict[str, Any]:
    models: set[tuple[type[BaseModel], JsonSchemaMode]] = {(ErrorAnswer, "serialization")}
    for operation in operations:
        if operation.body is not None:
            models.add((operation.body, "validation"))
        if operation.answer is not None:
            models.add((operation.answer, "serialization"))
    ordered = sorted(models, key=lambda pair: (pair[0].__name__, pair[1]))
    _, schemas = models_json_schema(ordered, ref_template=REF, by_alias=True)
    return dict(schemas.get("$defs", {}))


def _operation(operation: Operation, definitions: dict[str, Any]) -> dict[str, Any]:
    parameters = [
        {"name": name.strip("{}"), "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in operation.subpath
        if name.startswith("{")
    ]
    if operation.query is not None:
        parameters = _query_parameters(operation.query, definitions) + parameters
    success: dict[str, Any] = {"description": operation.summary}
    if operation.answer is not None:
        success["content"] = {
            operation.content_type: {"schema": {"$ref": _ref(operation.answer, "serialization", definitions)}}
        }
    elif operation.content_type != "application/json":
        success["content"] = {operation.content_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(operation.status): success}
    if not operation.public or operation.content_type == "application/json":
        # A public JSON endpoint (a push from Google) answers errors like any other, but never 401:
        # it reads no Firebase ID token.
        statuses = set(STATUS_BY_ERROR.values()) | {500}
        if operation.public:
            statuses.discard(401)
        error = {"content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorAnswer")}}}}
        for status in sorted(statuses):
            meaning = ERROR_MEANINGS.get(status, "Something went wrong on our side; it has been logged")
            responses[str(status)] = {"description": meaning, **error}
    spec: dict[str, Any] = {"summary": operation.summary, "parameters": parameters, "responses": responses}
    if operation.minimum is not None:
        spec["description"] = f"Needs at least the {operation.minimum.value} role in the workspace."
    if operation.public:
        spec["security"] = []
    if operation.body is not None:
        schema = {"$ref": _ref(operation.body, "validation", definitions)}
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return spec


def _ref(model: type[BaseModel], mode: JsonSchemaMode, definitions: dict[str, Any]) -> str:
    """A model's schema name: pydantic suffixes `-Input`/`-Output` when a model's two modes differ."""
    for name in (model.__name__, f"{model.__name__}-{'Input' if mode == 'validation' else 'Output'}"):
        if name in definitions:
            return REF.format(model=name)
    raise KeyError(model.__name__)


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


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def write() -> None:
    table = route_table()
    OPENAPI_FILE.write_text(_json(openapi_document(table)))
    FIREBASE_FILE.write_text(_json(firebase_config(table)))


if __name__ == "__main__":
    write()
