"""`generateContent` and `countTokens`: request validation as Vertex AI does it, and the response bodies."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from devstack.gemini_server import errors
from devstack.gemini_server.agent import check_function_turns, declared_functions, scripted_parts
from devstack.gemini_server.answers import answer_for_schema, summary_sentence
from devstack.gemini_server.facts import read_facts
from devstack.gemini_server.tokens import CHARS_PER_TOKEN, count_contents_tokens, count_part_tokens, count_text_tokens

JSON_MIME = "application/json"
_MIME_TYPES = frozenset({"text/plain", JSON_MIME, "text/x.enum"})
_ROLES = frozenset({"user", "model"})


def count_tokens(body: dict[str, Any]) -> dict[str, Any]:
    contents = _contents(body)
    system = _system_instruction(body)
    total = count_contents_tokens(contents) + (count_contents_tokens([system]) if system else 0)
    characters = sum(len(p.get("text", "")) for c in [*contents, *([system] if system else [])] for p in c["parts"])
    return {
        "totalTokens": total,
        "totalBillableCharacters": characters,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}],
    }


def generate_content(body: dict[str, Any], *, model: str) -> dict[str, Any]:
    contents = _contents(body)
    system = _system_instruction(body)
    config = body.get("generationConfig") or {}
    if not isinstance(config, dict):
        raise errors.invalid_argument("Invalid value at 'generation_config'.", field="generation_config")
    declared = declared_functions(body)
    check_function_turns(contents)
    if declared:
        # With tools the stand-in plays the evaluation set's scripted turns (agent.py).
        parts = scripted_parts(contents, declared)
        finish_reason = "STOP"
    else:
        text, finish_reason = _limited(_answer(contents, config), config)
        parts = [{"text": text}]
    prompt_tokens = count_contents_tokens(contents) + (count_contents_tokens([system]) if system else 0)
    if body.get("tools"):
        prompt_tokens += count_text_tokens(json.dumps(body["tools"]))
    candidate_tokens = sum(count_part_tokens(part) for part in parts)
    candidate_count = int(config.get("candidateCount", 1))
    candidates = [
        {"content": {"role": "model", "parts": parts}, "finishReason": finish_reason, "avgLogprobs": -0.05}
        for _ in range(candidate_count)
    ]
    if candidate_count > 1:
        for index, candidate in enumerate(candidates):
            candidate["index"] = index
    return {
        "candidates": candidates,
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": candidate_tokens * candidate_count,
            "totalTokenCount": prompt_tokens + candidate_tokens * candidate_count,
            "trafficType": "ON_DEMAND",
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
            "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": candidate_tokens * candidate_count}],
        },
        "modelVersion": model,
        "createTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        # Derived from the request, so the same request is answered identically.
        "responseId": hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24],
    }


def _contents(body: dict[str, Any]) -> list[dict[str, Any]]:
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise errors.invalid_argument(
            "Unable to submit request because it must include at least one parts field, which describes the prompt "
            "input.",
            field="contents",
        )
    for index, content in enumerate(contents):
        if not isinstance(content, dict) or not isinstance(content.get("parts"), list) or not content["parts"]:
            raise errors.invalid_argument(
                f"Unable to submit request because contents[{index}] must include at least one parts field.",
                field=f"contents[{index}].parts",
            )
        role = content.get("role", "user")
        if role not in _ROLES:
            raise errors.invalid_argument(
                f"Please use a valid role: user, model. Got '{role}'.", field=f"contents[{index}].role"
            )
    return contents


def _system_instruction(body: dict[str, Any]) -> dict[str, Any] | None:
    system = body.get("systemInstruction")
    if system is None:
        return None
    if not isinstance(system, dict) or not isinstance(system.get("parts"), list):
        raise errors.invalid_argument("Invalid value at 'system_instruction'.", field="system_instruction")
    return system


def _prompt_text(contents: list[dict[str, Any]]) -> str:
    # The answer is about what the user turns say; the system instruction only steers the shape.
    return "\n".join(
        part["text"]
        for content in contents
        if content.get("role", "user") == "user"
        for part in content["parts"]
        if isinstance(part.get("text"), str)
    )


def _answer(contents: list[dict[str, Any]], config: dict[str, Any]) -> str:
    mime = config.get("responseMimeType", "text/plain")
    if mime not in _MIME_TYPES:
        raise errors.invalid_argument(
            f"Unsupported response mime type: {mime}. Supported: {sorted(_MIME_TYPES)}.",
            field="generation_config.response_mime_type",
        )
    schema, json_schema = config.get("responseSchema"), config.get("responseJsonSchema")
    if schema is not None and json_schema is not None:
        raise errors.invalid_argument(
            "responseSchema and responseJsonSchema cannot both be set.", field="generation_config.response_schema"
        )
    requested = schema if schema is not None else json_schema
    if requested is not None and mime == "text/plain":
        raise errors.invalid_argument(
            "Unable to submit request because setting response_schema is only supported with response_mime_type "
            "application/json or text/x.enum.",
            field="generation_config.response_schema",
        )
    facts = read_facts(_prompt_text(contents))
    if requested is not None:
        value = answer_for_schema(requested, facts, json_schema=json_schema is not None)
        return value if mime == "text/x.enum" and isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if mime == JSON_MIME:
        return json.dumps({"summary": summary_sentence(facts)}, ensure_ascii=False)
    return summary_sentence(facts)


def _limited(text: str, config: dict[str, Any]) -> tuple[str, str]:
    """Applies stopSequences and maxOutputTokens the way the model does: cut the text, say why."""
    for stop in config.get("stopSequences") or []:
        if isinstance(stop, str) and stop and stop in text:
            text = text[: text.index(stop)]
    limit = config.get("maxOutputTokens")
    if isinstance(limit, int) and limit > 0 and count_text_tokens(text) > limit:
        cut = text[: limit * CHARS_PER_TOKEN]
        while cut and count_text_tokens(cut) > limit:
            cut = cut[:-1]
        return cut, "MAX_TOKENS"
    return text, "STOP"


WORDS_PER_CHUNK = 4
_WORDS = re.compile(r"\S+\s*")


def stream_chunks(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer as Vertex AI streams it: text a few words a chunk, function calls whole, and the
    finish reason and usage on the last chunk."""
    candidate = answer["candidates"][0]
    pieces: list[dict[str, Any]] = []
    for part in candidate["content"]["parts"]:
        if isinstance(part.get("text"), str):
            words = _WORDS.findall(part["text"]) or [""]
            pieces.extend(
                {"text": "".join(words[i : i + WORDS_PER_CHUNK])} for i in range(0, len(words), WORDS_PER_CHUNK)
            )
        else:
            pieces.append(part)
    common = {key: answer[key] for key in ("modelVersion", "createTime", "responseId")}
    chunks = [{"candidates": [{"content": {"role": "model", "parts": [piece]}}], **common} for piece in pieces]
    chunks[-1]["candidates"][0]["finishReason"] = candidate["finishReason"]
    chunks[-1]["usageMetadata"] = answer["usageMetadata"]
    return chunks
