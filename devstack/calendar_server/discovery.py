"""calendar.v3.json, the discovery document google-api-python-client ships: each method's scopes and
query parameters, and its schemas as strict JSON Schemas that every request body and answer is checked
against, so the server can neither accept nor answer what Google's Calendar API would not."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import googleapiclient
import jsonschema_rs

DISCOVERY_FILE = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "calendar.v3.json"


@functools.cache
def document() -> dict[str, Any]:
    return dict(json.loads(DISCOVERY_FILE.read_text()))


@functools.cache
def methods() -> dict[str, dict[str, Any]]:
    """Every method by id ("calendar.events.list" → its discovery entry)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(resource: dict[str, Any]) -> None:
        for method in resource.get("methods", {}).values():
            found[method["id"]] = method
        for child in resource.get("resources", {}).values():
            walk(child)

    walk(document())
    return found


def accepted_scopes(method_id: str) -> list[str]:
    return list(methods()[method_id].get("scopes", []))


def to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """One discovery schema as JSON Schema. Objects reject unknown properties unless they declare
    `additionalProperties`; int64 travels as a decimal string; enums are kept."""
    if "$ref" in schema:
        return {"$ref": f"#/$defs/{schema['$ref']}"}
    kind = schema.get("type")
    if kind == "object":
        extra = schema.get("additionalProperties")
        return {
            "type": "object",
            "properties": {name: to_json_schema(sub) for name, sub in schema.get("properties", {}).items()},
            "additionalProperties": to_json_schema(extra) if extra else False,
        }
    if kind == "array":
        return {"type": "array", "items": to_json_schema(schema.get("items", {}))}
    if kind == "string":
        converted: dict[str, Any] = {"type": "string"}
        if schema.get("format") in ("int64", "uint64"):
            converted["pattern"] = r"^-?[0-9]+$"
        if "enum" in schema:
            converted["enum"] = schema["enum"]
        return converted
    if kind in ("integer", "number", "boolean"):
        return {"type": kind}
    return {}


@functools.cache
def _definitions() -> dict[str, Any]:
    return {name: to_json_schema(schema) for name, schema in document()["schemas"].items()}


@functools.cache
def _validator(name: str) -> jsonschema_rs.Draft202012Validator:
    # jsonschema-rs: a page of 2,500 events is checked in milliseconds, so every answer can be.
    return jsonschema_rs.Draft202012Validator({"$defs": _definitions(), "$ref": f"#/$defs/{name}"})


def schema_errors(body: Any, schema_name: str) -> list[str]:
    """Why `body` is not a `schema_name` of calendar.v3.json (empty when it is one)."""
    return [
        f"{'.'.join(str(part) for part in error.instance_path) or '(root)'}: {error.message}"
        for error in _validator(schema_name).iter_errors(body)
    ]
