"""Card v1 validation: `GoogleAppsCardV1Card` from the chat.v1.json discovery document that
google-api-python-client ships, turned into JSON Schema (draft 2020-12) and checked with jsonschema-rs
(about a hundred times faster than the pure-Python jsonschema here, so a test can check every card it sees).

Discovery schemas say which properties exist, not which are required; unknown properties are refused
here (a misspelt `onClick` renders as nothing in Gmail), enums are enforced and int64 strings must be digits.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import googleapiclient
import jsonschema_rs
from jsonschema import Draft202012Validator

DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "chat.v1.json"
CARD = "GoogleAppsCardV1Card"


def _convert(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"$ref": f"#/$defs/{schema['$ref']}"}
    kind = schema.get("type")
    if kind == "object":
        converted: dict[str, Any] = {"type": "object"}
        if "properties" in schema:
            converted["properties"] = {name: _convert(child) for name, child in schema["properties"].items()}
            converted["additionalProperties"] = False
        elif "additionalProperties" in schema:
            converted["additionalProperties"] = _convert(schema["additionalProperties"])
        return converted
    if kind == "array":
        return {"type": "array", "items": _convert(schema.get("items", {}))}
    if kind == "string":
        converted = {"type": "string"}
        if "enum" in schema:
            converted["enum"] = schema["enum"]
        if schema.get("format") in ("int64", "uint64"):
            converted["pattern"] = r"^-?\d+$"
        return converted
    if kind in ("integer", "number", "boolean"):
        return {"type": kind}
    return {}  # "any"


@functools.cache
def card_validator() -> jsonschema_rs.Draft202012Validator:
    schemas = json.loads(DISCOVERY.read_text())["schemas"]
    document = {"$ref": f"#/$defs/{CARD}", "$defs": {name: _convert(schema) for name, schema in schemas.items()}}
    Draft202012Validator.check_schema(document)  # the converted document is itself valid JSON Schema
    return jsonschema_rs.Draft202012Validator(document)


def card_errors(card: dict[str, Any]) -> list[str]:
    """Where and how `card` breaks the Card v1 schema; empty when it is valid."""
    return [
        f"{'/'.join(str(p) for p in error.instance_path) or '(card)'}: {error.message}"
        for error in card_validator().iter_errors(card)
    ]


def cards_in(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Every card an add-on answer pushes or updates."""
    action = (answer.get("renderActions") or {}).get("action") or {}
    return [
        card for navigation in action.get("navigations") or [] for card in navigation.values() if isinstance(card, dict)
    ]
