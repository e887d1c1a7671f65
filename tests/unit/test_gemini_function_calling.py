"""The local Gemini server's function calling and streaming, driven by the real google-genai SDK:
multi-turn calls from the evaluation set, answers quoting the tools' responses, bodies checked
against the SDK's own types."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any, cast

import pytest
from google import genai
from google.genai import errors, types

from devstack.gemini_server import GeminiServer
from devstack.gemini_server.agent import cases, normalised
from devstack.gemini_server.app import STAND_IN_HEADER
from tests.support import local_genai_client

MODEL = "gemini-2.5-flash"
OFF = types.AutomaticFunctionCallingConfig(disable=True)
TOOLS = [
    types.Tool(
        function_declarations=[
            types.FunctionDeclaration(
                name="search_deals",
                description="Deals by name",
                parameters_json_schema={"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
            ),
            types.FunctionDeclaration(
                name="move_deal_stage",
                description="Propose moving a deal",
                parameters_json_schema={
                    "type": "object",
                    "properties": {"deal_id": {"type": "string"}, "stage": {"type": "string"}},
                },
            ),
        ]
    )
]
QUESTION = "Move the Brightforge deal to negotiation"


@pytest.fixture(scope="module")
def server() -> Iterator[GeminiServer]:
    with GeminiServer() as running:
        yield running


@pytest.fixture
def client(server: GeminiServer) -> genai.Client:
    return cast(genai.Client, local_genai_client(server.url))


def _config(tools: list[types.Tool] = TOOLS) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(tools=tools, automatic_function_calling=OFF)  # type: ignore[arg-type]


def _responded(name: str, response: dict[str, Any]) -> types.Content:
    return types.Content(role="user", parts=[types.Part.from_function_response(name=name, response=response)])


def _user(text: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part.from_text(text=text)])


def test_every_case_of_the_evaluation_set_is_read_with_its_steps() -> None:
    loaded = cases()
    assert len(loaded) >= 10
    case = loaded[normalised(QUESTION)]
    assert [[call.name for call in step] for step in case.steps] == [["search_deals"], ["move_deal_stage"]]


def test_a_case_is_played_turn_by_turn_and_the_answer_quotes_the_tools(client: genai.Client) -> None:
    contents = [_user(QUESTION)]
    first = client.models.generate_content(model=MODEL, contents=contents, config=_config())
    calls = first.function_calls or []
    assert [(c.name, c.args) for c in calls] == [("search_deals", {"q": "Brightforge"})]
    assert first.sdk_http_response is not None
    assert first.sdk_http_response.headers is not None
    assert first.sdk_http_response.headers.get(STAND_IN_HEADER.lower()) == "local-gemini"

    contents += [
        first.candidates[0].content,  # type: ignore[index, list-item]
        _responded("search_deals", {"output": {"items": [{"id": "d-77", "name": "Brightforge pilot"}]}}),
    ]
    second = client.models.generate_content(model=MODEL, contents=contents, config=_config())
    assert [(c.name, c.args) for c in second.function_calls or []] == [
        ("move_deal_stage", {"deal_id": "d-77", "stage": "negotiation"})
    ]

    contents += [
        second.candidates[0].content,  # type: ignore[index, list-item]
        _responded("move_deal_stage", {"proposal": {"id": "p1", "summary": "Move Brightforge pilot"}}),
    ]
    final = client.models.generate_content(model=MODEL, contents=contents, config=_config())
    assert not final.function_calls
    assert "Move Brightforge pilot" in (final.text or "")
    assert final.usage_metadata is not None
    assert (final.usage_metadata.candidates_token_count or 0) > 0


def test_a_step_whose_tool_is_not_declared_gets_a_text_answer(client: genai.Client) -> None:
    only_search = [types.Tool(function_declarations=[TOOLS[0].function_declarations[0]])]  # type: ignore[index]
    contents = [
        _user(QUESTION),
        types.Content(role="model", parts=[types.Part.from_function_call(name="search_deals", args={"q": "x"})]),
        _responded("search_deals", {"output": {"items": []}}),
    ]
    answer = client.models.generate_content(model=MODEL, contents=contents, config=_config(only_search))
    assert not answer.function_calls
    assert "move_deal_stage" in (answer.text or "")


def test_a_function_call_turn_without_its_responses_is_refused(client: genai.Client) -> None:
    contents = [
        _user(QUESTION),
        types.Content(role="model", parts=[types.Part.from_function_call(name="search_deals", args={"q": "x"})]),
        _user("and then?"),
    ]
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model=MODEL, contents=contents, config=_config())
    assert raised.value.code == 400
    assert "function response parts" in (raised.value.message or "")


def test_the_stream_sends_text_in_several_chunks_and_usage_on_the_last(client: genai.Client) -> None:
    contents = [
        _user(QUESTION),
        types.Content(role="model", parts=[types.Part.from_function_call(name="search_deals", args={"q": "x"})]),
        _responded(
            "search_deals", {"output": {"items": [{"name": "Brightforge pilot", "stage": "proposal", "value": 1}]}}
        ),
        types.Content(
            role="model",
            parts=[types.Part.from_function_call(name="move_deal_stage", args={"deal_id": "d", "stage": "x"})],
        ),
        _responded(
            "move_deal_stage",
            {"proposal": {"summary": "Move the deal Brightforge pilot from proposal to negotiation"}},
        ),
    ]
    chunks = list(client.models.generate_content_stream(model=MODEL, contents=contents, config=_config()))
    assert len(chunks) > 2
    texts = [chunk.text for chunk in chunks]
    assert all(texts)
    assert "Brightforge pilot from proposal to negotiation" in "".join(t or "" for t in texts)
    assert chunks[-1].usage_metadata is not None
    assert chunks[0].usage_metadata is None
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP  # type: ignore[index]
    headers = chunks[0].sdk_http_response.headers if chunks[0].sdk_http_response else None
    assert (headers or {}).get(STAND_IN_HEADER.lower()) == "local-gemini"


def test_streamed_chunks_validate_as_the_sdks_response_type(server: GeminiServer) -> None:
    body: dict[str, Any] = {
        "contents": [{"role": "user", "parts": [{"text": "How much pipeline is in negotiation?"}]}],
        "tools": [{"functionDeclarations": [{"name": "pipeline_summary", "parametersJsonSchema": {"type": "object"}}]}],
    }
    url = f"{server.url}v1beta1/projects/p/locations/l/publishers/google/models/{MODEL}:streamGenerateContent?alt=sse"
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Authorization": "Bearer t", "Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        events = [line[len(b"data: ") :] for line in response.read().split(b"\r\n") if line.startswith(b"data: ")]
    parsed = [types.GenerateContentResponse.model_validate(json.loads(event)) for event in events]
    assert parsed[-1].candidates[0].content.parts[0].function_call.name == "pipeline_summary"  # type: ignore[index, union-attr]
