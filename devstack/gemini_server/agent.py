"""Multi-turn function calling, scripted by the evaluation set (devstack/demo_data/agent_cases.toml).

For a user question that matches a case, the stand-in asks, step by step, for the case's expected
tool calls; an argument written `$tool.path.to.value` is read from that tool's latest response (an id
found by a search, say). Once every step ran it answers from the function responses it was given,
quoting what they hold: the facts come from the tools, never from the case. A question without a
case, or a call the request declares no tool for, gets a plain text answer saying so.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.gemini_server import errors

CASES_FILE = Path(__file__).resolve().parents[1] / "demo_data" / "agent_cases.toml"
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_PUNCTUATION = re.compile(r"[^\w\s]")
# Fields worth quoting from a tool's answer, in the order a reader wants them.
_QUOTED = (
    "name", "email", "title", "companyName", "domain", "stage", "value", "currency", "expectedClose", "strength",
    "lastInteractionAt", "interactions", "subject", "snippet", "body", "count", "total", "teammate", "summary",
    "status",
)  # fmt: skip
_MAX_ITEMS = 8


@dataclass(frozen=True)
class Call:
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    steps: tuple[tuple[Call, ...], ...]
    role: str = "owner"  # who asks (the evaluation checks the rest: ./rapport bench agent)
    facts: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


def normalised(question: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", question.lower()).split())


def evaluation_set(path: Path = CASES_FILE) -> list[Case]:
    """Every case of the file, in its order."""
    raw = tomllib.loads(path.read_text())
    return [
        Case(
            id=entry["id"],
            question=entry["question"],
            steps=tuple(
                tuple(Call(call["name"], dict(call.get("args", {}))) for call in step["calls"])
                for step in entry.get("steps", [])
            ),
            role=entry.get("role", "owner"),
            facts=tuple(entry.get("facts", [])),
            absent=tuple(entry.get("absent", [])),
        )
        for entry in raw.get("cases", [])
    ]


@functools.cache
def cases(path: Path = CASES_FILE) -> dict[str, Case]:
    """The cases by normalised question."""
    return {normalised(case.question): case for case in evaluation_set(path)}


def declared_functions(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The request's function declarations by name, checked as Vertex AI checks them."""
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise errors.invalid_argument("Invalid value at 'tools'.", field="tools")
    declared: dict[str, dict[str, Any]] = {}
    for index, tool in enumerate(tools):
        for declaration in (tool or {}).get("functionDeclarations") or []:
            name = declaration.get("name")
            if not isinstance(name, str) or not _FUNCTION_NAME.match(name):
                raise errors.invalid_argument(
                    f"Invalid function name {name!r}: must start with a letter or an underscore and hold only "
                    "a-z, A-Z, 0-9, underscores, dots and dashes, at most 64 characters.",
                    field=f"tools[{index}].function_declarations.name",
                )
            if "parameters" in declaration and "parametersJsonSchema" in declaration:
                raise errors.invalid_argument(
                    "parameters and parameters_json_schema cannot both be set.",
                    field=f"tools[{index}].function_declarations.parameters",
                )
            declared[name] = declaration
    return declared


def check_function_turns(contents: list[dict[str, Any]]) -> None:
    """Each turn of function calls is answered by the next turn, with one response per call."""
    for index, content in enumerate(contents):
        calls = [part["functionCall"] for part in content["parts"] if "functionCall" in part]
        if not calls:
            continue
        following = contents[index + 1] if index + 1 < len(contents) else None
        if following is None:
            continue  # the model's own last turn, sent back as history
        responses = [part["functionResponse"] for part in following["parts"] if "functionResponse" in part]
        if len(responses) != len(calls):
            raise errors.invalid_argument(
                "Please ensure that the number of function response parts is equal to the number of function "
                "call parts of the function call turn.",
                field=f"contents[{index + 1}].parts",
            )


def scripted_parts(contents: list[dict[str, Any]], declared: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The model's next turn: the case's next function calls, or the answer from what the tools said."""
    asked_at = _question_index(contents)
    # The question is the turn's last text: Rapport puts the record the user has open before it.
    question = [p["text"] for p in contents[asked_at]["parts"] if isinstance(p.get("text"), str)][-1]
    since = contents[asked_at + 1 :]
    steps_taken = sum(1 for c in since if any("functionCall" in p for p in c["parts"]))
    responses = [p["functionResponse"] for c in since for p in c["parts"] if "functionResponse" in p]
    case = cases().get(normalised(question))
    if case is None:
        if responses:
            return [{"text": answer_from(responses)}]
        return [{"text": "The local stand-in has no scripted answer for this question."}]
    if steps_taken < len(case.steps):
        step = case.steps[steps_taken]
        missing = [call.name for call in step if call.name not in declared]
        if missing:
            return [{"text": f"I cannot do that here: no tool for {', '.join(missing)} is available to you."}]
        return [{"functionCall": {"name": call.name, "args": _resolved(call.args, responses)}} for call in step]
    return [{"text": answer_from(responses)}]


def _question_index(contents: list[dict[str, Any]]) -> int:
    for index in range(len(contents) - 1, -1, -1):
        content = contents[index]
        if content.get("role", "user") == "user" and any(isinstance(p.get("text"), str) for p in content["parts"]):
            return index
    raise errors.invalid_argument("No user question in contents.", field="contents")


def _resolved(args: dict[str, Any], responses: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: resolved_value(value, responses) for key, value in args.items()}


def resolved_value(value: Any, responses: list[dict[str, Any]]) -> Any:
    if isinstance(value, dict):
        return _resolved(value, responses)
    if not (isinstance(value, str) and value.startswith("$")):
        return value
    name, *path = value[1:].split(".")
    latest = next((r.get("response") for r in reversed(responses) if r.get("name") == name), None)
    # Function output travels under "output" (errors under "error"), as the SDK documents.
    found: Any = latest.get("output", latest) if isinstance(latest, dict) else latest
    for key in path:
        if isinstance(found, list) and key.isdigit() and int(key) < len(found):
            found = found[int(key)]
        elif isinstance(found, dict):
            found = found.get(key)
        else:
            found = None
    return found


def answer_from(responses: list[dict[str, Any]]) -> str:
    """A plain answer quoting what the tools returned, one paragraph per tool."""
    lines: list[str] = []
    for response in responses:
        name, result = response.get("name", "tool"), response.get("response") or {}
        if "error" in result:
            lines.append(f"{name} could not run: {result['error']}")
            continue
        result = result.get("output", result)
        if isinstance(result, dict) and "proposal" in result:
            proposal = result["proposal"] or {}
            lines.append(f"I have prepared this change for you to confirm or decline: {proposal.get('summary', '')}")
        else:
            quoted = _quoted(result)
            lines.append(f"From {name}: {quoted}" if quoted else f"{name} found nothing.")
    return "\n\n".join(lines) or "I found nothing to answer with."


def _quoted(value: Any, depth: int = 0) -> str:
    if depth > 4:
        return ""
    if isinstance(value, list):
        parts = [_quoted(item, depth + 1) for item in value[:_MAX_ITEMS]]
        return "; ".join(part for part in parts if part)
    if isinstance(value, dict):
        here = [f"{key} {value[key]}" for key in _QUOTED if isinstance(value.get(key), str | int | float)]
        nested = [
            _quoted(item, depth + 1)
            for key, item in value.items()
            if isinstance(item, list | dict) and key not in ("searchTokens", "searchKeys")
        ]
        quoted = ", ".join(part for part in [*here, *nested] if part)
        # A numbered source (a message) is cited by its number, as the system prompt asks.
        return f"{quoted} [{value['source']}]" if isinstance(value.get("source"), int) and quoted else quoted
    return str(value) if isinstance(value, str | int | float) else ""
