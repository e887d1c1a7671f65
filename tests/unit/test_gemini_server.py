"""The local Gemini server, driven by the real google-genai SDK; bodies checked against the SDK's own types."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any, Literal, cast

import jsonschema
import pytest
from google import genai
from google.genai import errors, types
from google.genai.models import _CountTokensResponse_from_vertex
from pydantic import BaseModel, Field

from devstack.gemini_server import GeminiServer
from devstack.processes import free_port
from tests.support import local_genai_client, wait_for

MODEL = "gemini-2.5-flash"
PROMPT = """Name: Ann Lee
Email: ann.lee@acme.co.uk
Title: VP of Sales
Company: Acme

Recent messages, newest first:
- Subject: Pilot pricing for the Berlin rollout
  Snippet: Can we agree the pilot pricing before the Berlin rollout starts?
- Subject: Pricing questions
  Snippet: The pricing tiers for the pilot look high for a rollout of this size.
"""


class Insight(BaseModel):
    role: str | None
    seniority: Literal["unknown", "junior", "mid", "senior", "manager", "director", "vp", "c_level"]
    topics: list[str] = Field(max_length=5)
    relationship_summary: str
    suggested_next_step: str


@pytest.fixture(scope="module")
def server() -> Iterator[GeminiServer]:
    with GeminiServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(server: GeminiServer) -> None:
    server.app.faults.clear()
    server.app.clear_calls()


@pytest.fixture
def client(server: GeminiServer) -> genai.Client:
    # Keep the client referenced while calling: a collected client closes its connections.
    return _client(server)


def _client(server: GeminiServer, retry: types.HttpRetryOptions | None = None) -> genai.Client:
    return cast(genai.Client, local_genai_client(server.url, retry))


def _post(server: GeminiServer, path: str, body: Any, *, auth: bool = True) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": "Bearer test"} if auth else {})}
    request = urllib.request.Request(server.url + path.lstrip("/"), json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _model_path(method: str, model: str = MODEL, version: str = "v1beta1") -> str:
    return f"{version}/projects/demo-rapport/locations/us-central1/publishers/google/models/{model}:{method}"


def _structured_config(**extra: Any) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(response_mime_type="application/json", response_schema=Insight, **extra)


def test_structured_output_comes_from_the_prompt(server, client):
    response = client.models.generate_content(model=MODEL, contents=PROMPT, config=_structured_config())

    insight = response.parsed
    assert isinstance(insight, Insight)
    assert insight.role == "VP of Sales"
    assert insight.seniority == "vp"
    assert insight.topics[:2] == ["pricing", "pilot"]
    assert "Ann Lee" in insight.relationship_summary
    assert "Acme" in insight.relationship_summary
    assert insight.suggested_next_step.startswith("Follow up with Ann")
    assert response.candidates[0].finish_reason == types.FinishReason.STOP


def test_the_same_request_gets_the_same_answer(server, client):
    first = client.models.generate_content(model=MODEL, contents=PROMPT, config=_structured_config())
    second = client.models.generate_content(model=MODEL, contents=PROMPT, config=_structured_config())
    other = client.models.generate_content(model=MODEL, contents=PROMPT + "Title: Junior analyst", config=None)

    assert first.text == second.text
    assert first.response_id == second.response_id
    assert other.text != first.text


def test_raw_bodies_validate_against_the_sdk_types(server):
    body = {
        "contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
        "systemInstruction": {"parts": [{"text": "Describe the contact."}]},
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": Insight.model_json_schema()},
    }
    status, answer = _post(server, _model_path("generateContent"), body)
    assert status == 200
    parsed = types.GenerateContentResponse.model_validate(answer)  # the SDK's types forbid unknown fields
    jsonschema.validate(json.loads(parsed.text or ""), Insight.model_json_schema())

    status, counted = _post(server, _model_path("countTokens"), {"contents": body["contents"]})
    assert status == 200
    assert types.CountTokensResponse.model_validate(_CountTokensResponse_from_vertex(counted)).total_tokens


def test_usage_metadata_counts_prompt_and_answer(server, client):
    response = client.models.generate_content(model=MODEL, contents=PROMPT, config=_structured_config())
    counted = client.models.count_tokens(model=MODEL, contents=PROMPT)

    usage = response.usage_metadata
    assert usage is not None
    assert usage.prompt_token_count == counted.total_tokens
    assert usage.candidates_token_count
    assert usage.candidates_token_count > 10
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert response.model_version == MODEL


def test_json_schemas_with_refs_nesting_and_bounds_are_honoured(server, client):
    schema = {
        "$defs": {"Person": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        "type": "object",
        "properties": {
            "people": {"type": "array", "items": {"$ref": "#/$defs/Person"}, "minItems": 2, "maxItems": 4},
            "score": {"type": "integer", "minimum": 0, "maximum": 100},
            "ratio": {"type": "number", "minimum": 0.5, "maximum": 2},
            "active": {"type": "boolean"},
            "stage": {"enum": ["lead", "customer", "churned"]},
            "email": {"type": ["string", "null"], "format": "email"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "note": {"anyOf": [{"type": "string", "maxLength": 12}, {"type": "null"}]},
        },
        "required": ["people", "score", "ratio", "active", "stage", "email", "tags", "note"],
        "additionalProperties": False,
    }
    config = types.GenerateContentConfig(response_mime_type="application/json", response_json_schema=schema)
    response = client.models.generate_content(model=MODEL, contents=PROMPT, config=config)

    value = json.loads(response.text or "")
    jsonschema.validate(value, schema)
    assert value["email"] == "ann.lee@acme.co.uk"


def test_openapi_schemas_with_nullable_and_ordering_are_honoured(server, client):
    schema = types.Schema(
        type=types.Type.OBJECT,
        properties={
            "seniority": types.Schema(type=types.Type.STRING, enum=["junior", "senior", "executive"]),
            "title": types.Schema(type=types.Type.STRING, nullable=True),
            "count": types.Schema(type=types.Type.INTEGER, minimum=1, maximum=3),
        },
        required=["seniority", "title", "count"],
        property_ordering=["title", "seniority", "count"],
    )
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=schema)
    response = client.models.generate_content(model=MODEL, contents=PROMPT, config=config)

    value = json.loads(response.text or "")
    assert list(value) == ["title", "seniority", "count"]
    assert value["seniority"] == "executive"  # the nearest level the schema offers for a VP
    assert 1 <= value["count"] <= 3


def test_max_output_tokens_truncates_like_the_model(server, client):
    config = _structured_config(max_output_tokens=5)
    response = client.models.generate_content(model=MODEL, contents=PROMPT, config=config)

    assert response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert response.usage_metadata.candidates_token_count <= 5
    assert response.parsed is None


def test_plain_text_and_streaming_answers(server, client):
    text = client.models.generate_content(model=MODEL, contents=PROMPT).text
    streamed = "".join(
        chunk.text or "" for chunk in client.models.generate_content_stream(model=MODEL, contents=PROMPT)
    )
    assert text == streamed
    assert text.startswith("Ann Lee (VP of Sales, Acme)")


@pytest.mark.parametrize(
    ("code", "status", "error_type"),
    [(429, "RESOURCE_EXHAUSTED", errors.ClientError), (500, "INTERNAL", errors.ServerError),
     (400, "INVALID_ARGUMENT", errors.ClientError)],
)  # fmt: skip
def test_injected_faults_reach_the_sdk_as_google_errors(server, code, status, error_type, client):
    server.app.faults.inject(code)
    with pytest.raises(error_type) as raised:
        client.models.generate_content(model=MODEL, contents=PROMPT)
    assert (raised.value.code, raised.value.status) == (code, status)
    # A fault is used up by one request.
    assert client.models.generate_content(model=MODEL, contents=PROMPT).text


def test_sdk_retries_transient_faults(server):
    server.app.faults.inject(429, times=2)
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0, max_delay=0, jitter=0)
    retrying = _client(server, retry)
    response = retrying.models.generate_content(model=MODEL, contents=PROMPT)

    assert response.text
    assert [call.status for call in server.app.calls] == [429, 429, 200]


def test_faults_can_be_switched_over_http(server):
    assert _post(server, "/_dev/faults", {"code": 503, "times": 1})[0] == 200
    assert _post(server, _model_path("generateContent"), {"contents": [{"parts": [{"text": "hi"}]}]})[0] == 503
    assert _post(server, "/_dev/faults", {"code": 418})[0] == 400


@pytest.mark.parametrize(
    ("path", "body", "auth", "code", "status"),
    [
        (_model_path("generateContent"), {"contents": []}, True, 400, "INVALID_ARGUMENT"),
        (_model_path("generateContent"), {"contents": [{"role": "bot", "parts": [{"text": "x"}]}]}, True, 400,
         "INVALID_ARGUMENT"),
        (_model_path("generateContent"),
         {"contents": [{"parts": [{"text": "x"}]}], "generationConfig": {"responseSchema": {"type": "OBJECT"}}},
         True, 400, "INVALID_ARGUMENT"),
        (_model_path("generateContent"), {"contents": [{"parts": [{"text": "x"}]}]}, False, 401, "UNAUTHENTICATED"),
        (_model_path("generateContent", model="palm-9"), {"contents": [{"parts": [{"text": "x"}]}]}, True, 404,
         "NOT_FOUND"),
        (_model_path("predict"), {}, True, 404, "NOT_FOUND"),
    ],
)  # fmt: skip
def test_bad_requests_get_google_error_bodies(server, path, body, auth, code, status):
    answer_code, answer = _post(server, path, body, auth=auth)
    assert answer_code == code
    assert answer["error"]["code"] == code
    assert answer["error"]["status"] == status
    assert answer["error"]["message"]


def test_the_v1_path_is_served_too(server):
    status, answer = _post(
        server, _model_path("generateContent", version="v1"), {"contents": [{"parts": [{"text": "x"}]}]}
    )
    assert status == 200
    types.GenerateContentResponse.model_validate(answer)


def test_the_module_runs_as_a_server():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.gemini_server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _health(port), timeout=30, what="the Gemini server's health answer")
    finally:
        process.terminate()
        process.wait(timeout=10)


def _health(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dev/health", timeout=2) as response:
            return bool(json.loads(response.read())["ok"])
    except OSError:
        return False
