"""Answers built from the prompt's facts: JSON that validates against the requested schema, or plain text.

Both schema dialects the API accepts are handled: `responseSchema` (the OpenAPI subset, upper-case
types, `nullable`) and `responseJsonSchema` (JSON Schema with `$ref`/`$defs`, `anyOf`, type lists).
"""

from __future__ import annotations

import hashlib
from typing import Any

from devstack.gemini_server import errors
from devstack.gemini_server.facts import SENIORITY_ORDER, PromptFacts

_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
_DEFAULT_ARRAY_ITEMS = 3
_MAX_DEPTH = 12
# Enum words a seniority level may be called by, for schemas with their own vocabulary.
_LEVEL_SYNONYMS = {
    "c_level": ("c_level", "c-level", "clevel", "executive", "exec", "founder", "owner", "c_suite", "csuite"),
    "vp": ("vp", "vice_president", "vice president", "executive"),
    "director": ("director", "head", "senior_manager"),
    "manager": ("manager", "lead", "team_lead"),
    "senior": ("senior", "principal", "staff", "experienced"),
    "mid": ("mid", "mid_level", "mid-level", "intermediate", "individual_contributor", "ic", "professional"),
    "junior": ("junior", "entry", "entry_level", "entry-level", "intern", "associate"),
}


def summary_sentence(facts: PromptFacts) -> str:
    who = facts.first("name") or (facts.emails[0] if facts.emails else "This contact")
    company = facts.first("company", "organization", "organisation", "employer")
    described = ", ".join(part for part in (facts.title, company) if part)
    sentence = f"{who} ({described})" if described else who
    if facts.topics:
        sentence += f" has been discussing {_joined(facts.topics[:3])} with the team."
    else:
        sentence += " has been in touch with the team."
    if facts.subjects:
        sentence += f' The latest thread is "{facts.subjects[0]}".'
    return sentence


def next_step_sentence(facts: PromptFacts) -> str:
    who = (facts.first("name") or "the contact").split()[0]
    about = f'"{facts.subjects[0]}"' if facts.subjects else (facts.topics[0] if facts.topics else "recent threads")
    return f"Follow up with {who} about {about}."


def answer_for_schema(schema: dict[str, Any], facts: PromptFacts, *, json_schema: bool) -> Any:
    return _Filler(facts, root=schema, json_schema=json_schema).value(schema, name="", depth=0)


class _Filler:
    def __init__(self, facts: PromptFacts, *, root: dict[str, Any], json_schema: bool) -> None:
        self.facts = facts
        self.root = root
        self.json_schema = json_schema

    def value(self, schema: Any, *, name: str, depth: int) -> Any:
        if not isinstance(schema, dict):
            raise errors.invalid_argument("Invalid JSON schema: a schema must be an object.", field="responseSchema")
        if depth > _MAX_DEPTH:
            raise errors.invalid_argument("Schema is nested too deeply.", field="responseSchema")
        schema = self._resolved(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self._enum(schema["enum"], name)
        variants = schema.get("anyOf") or schema.get("oneOf")
        if variants:
            return self._variant(variants, name=name, depth=depth)
        if schema.get("allOf"):
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self._resolved(part))
            return self.value(merged, name=name, depth=depth + 1)
        kinds = self._types(schema)
        nullable = schema.get("nullable") is True or "null" in kinds
        kind = next((k for k in kinds if k != "null"), "null" if nullable else "string")
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name=name, depth=depth)
        if kind == "null":
            return None
        scalar = self._scalar(kind, schema, name)
        return None if scalar is None and nullable else (scalar if scalar is not None else self._fallback(kind, name))

    # -- structure ------------------------------------------------------------------------------
    def _resolved(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or seen > _MAX_DEPTH:
                raise errors.invalid_argument(f"Unsupported $ref: {ref}", field="responseJsonSchema")
            target: Any = self.root
            for key in ref[2:].split("/"):
                target = target.get(key) if isinstance(target, dict) else None
            if not isinstance(target, dict):
                raise errors.invalid_argument(f"Unresolvable $ref: {ref}", field="responseJsonSchema")
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
        return schema

    def _types(self, schema: dict[str, Any]) -> list[str]:
        raw = schema.get("type")
        if raw is None:
            return ["object"] if "properties" in schema else (["array"] if "items" in schema else ["string"])
        listed = raw if isinstance(raw, list) else [raw]
        kinds = [str(kind).lower() for kind in listed]
        unknown = [kind for kind in kinds if kind not in _TYPES]
        if unknown:
            raise errors.invalid_argument(f"Invalid schema type: {unknown[0]}", field="responseSchema")
        return kinds

    def _variant(self, variants: list[Any], *, name: str, depth: int) -> Any:
        non_null = [v for v in variants if not (isinstance(v, dict) and self._resolved(v).get("type") == "null")]
        if not non_null:
            return None
        candidate = self.value(non_null[0], name=name, depth=depth + 1)
        if candidate is None and len(non_null) < len(variants):
            return None
        return candidate

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties") or {}
        order = schema.get("propertyOrdering") or schema.get("property_ordering") or list(properties)
        order = [key for key in order if key in properties] + [key for key in properties if key not in order]
        return {key: self.value(properties[key], name=key, depth=depth + 1) for key in order}

    def _array(self, schema: dict[str, Any], *, name: str, depth: int) -> list[Any]:
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", max(low, _DEFAULT_ARRAY_ITEMS)))
        items = schema.get("items") or {"type": "string"}
        resolved = self._resolved(items) if isinstance(items, dict) else items
        simple_strings = isinstance(resolved, dict) and self._types(resolved) == ["string"] and not resolved.get("enum")
        if simple_strings:
            pool = list(self._strings_for(name))
            values = pool[:high]
            while len(values) < low:
                values.append(f"{name or 'item'} {len(values) + 1}")
            return values
        count = max(low, min(high, 1))
        return [self.value(items, name=name, depth=depth + 1) for _ in range(count)]

    # -- scalars --------------------------------------------------------------------------------
    def _scalar(self, kind: str, schema: dict[str, Any], name: str) -> Any:
        if kind == "boolean":
            return self._hash(name) % 2 == 0
        if kind in ("integer", "number"):
            low = schema.get("minimum", 0)
            high = schema.get("maximum", max(low, 0) + 100)
            value = low + self._hash(name) % (int(high - low) + 1) if high >= low else low
            return int(value) if kind == "integer" else float(value)
        text = self._text(name, schema)
        if text is None:
            return None
        max_length = schema.get("maxLength")
        if isinstance(max_length, int):
            text = text[:max_length]
        min_length = schema.get("minLength")
        if isinstance(min_length, int) and len(text) < min_length:
            text = text.ljust(min_length, ".")
        return text

    def _text(self, name: str, schema: dict[str, Any]) -> str | None:
        facts = self.facts
        key = name.lower().replace("-", "_")
        if schema.get("format") == "email" or "email" in key:
            return facts.emails[0] if facts.emails else None
        if any(word in key for word in ("summary", "description", "overview", "context")):
            return summary_sentence(facts)
        if any(word in key for word in ("next", "step", "action", "recommend")):
            return next_step_sentence(facts)
        if any(word in key for word in ("role", "title", "position", "job")):
            return facts.title
        if any(word in key for word in ("company", "organization", "organisation", "employer")):
            return facts.first("company", "organization", "organisation", "employer")
        if "name" in key:
            return facts.first("name")
        labelled = facts.first(key.replace("_", " "))
        if labelled:
            return labelled
        return facts.topics[0] if facts.topics else None

    def _strings_for(self, name: str) -> tuple[str, ...]:
        if "subject" in name.lower():
            return self.facts.subjects
        return self.facts.topics

    def _fallback(self, kind: str, name: str) -> Any:
        return {"string": "unknown", "integer": 0, "number": 0.0, "boolean": False}.get(kind, name)

    def _enum(self, options: list[Any], name: str) -> Any:
        if "senior" in name.lower() or "level" in name.lower():
            chosen = self._seniority_option(options)
            if chosen is not None:
                return chosen
        lowered = self.facts.text.lower()
        mentioned = [option for option in options if isinstance(option, str) and option.lower() in lowered]
        if mentioned:
            return mentioned[0]
        return options[self._hash(name) % len(options)]

    def _seniority_option(self, options: list[Any]) -> Any:
        normalised = {str(option).lower().replace(" ", "_"): option for option in options}
        level = self.facts.seniority
        if level is None:
            return next((normalised[k] for k in ("unknown", "unspecified", "other") if k in normalised), None)
        # Try this level's own names first, then the nearest levels below and above.
        for distance in range(len(SENIORITY_ORDER)):
            index = SENIORITY_ORDER.index(level)
            for near in (index - distance, index + distance):
                if 0 <= near < len(SENIORITY_ORDER):
                    for synonym in _LEVEL_SYNONYMS[SENIORITY_ORDER[near]]:
                        if synonym.replace(" ", "_") in normalised:
                            return normalised[synonym.replace(" ", "_")]
        return None

    def _hash(self, name: str) -> int:
        digest = hashlib.sha256(f"{name}\0{self.facts.text}".encode()).digest()
        return int.from_bytes(digest[:8], "big")


def _joined(words: tuple[str, ...]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
