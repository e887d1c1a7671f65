"""Shared harness for the local Gmail server tests: an in-process server that records every answer,
clients built the way Rapport builds them, and strict JSON Schemas converted from gmail.v1.json.

Holds no tests itself.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import googleapiclient
import jsonschema
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build, build_from_document
from werkzeug.wrappers import Request, Response

from devstack.gmail_server import GmailServer, create_app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
EML_DIR = FIXTURES / "eml"
TAKEOUT_MBOX = FIXTURES / "takeout.mbox"
CLIENT_ID = "test-client.apps.googleusercontent.com"
CLIENT_SECRET = "test-secret"
OWNER = "owner@rapport.test"
DISCOVERY_FILE = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "gmail.v1.json"
DISCOVERY: dict[str, Any] = json.loads(DISCOVERY_FILE.read_text())


# Discovery schemas -> JSON Schema ----------------------------------------------------------------------


def discovery_to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Convert one discovery schema. Objects reject unknown properties unless they declare
    `additionalProperties`; int64/uint64 are decimal strings; `byte` is base64url."""
    if "$ref" in schema:
        return {"$ref": f"#/$defs/{schema['$ref']}"}
    kind = schema.get("type")
    if kind == "object":
        converted: dict[str, Any] = {
            "type": "object",
            "properties": {name: discovery_to_json_schema(sub) for name, sub in schema.get("properties", {}).items()},
        }
        extra = schema.get("additionalProperties")
        converted["additionalProperties"] = discovery_to_json_schema(extra) if extra else False
        return converted
    if kind == "array":
        return {"type": "array", "items": discovery_to_json_schema(schema.get("items", {}))}
    if kind == "string":
        return _string_schema(schema)
    if kind in ("integer", "number", "boolean"):
        return {"type": kind}
    return {}


def _string_schema(schema: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"type": "string"}
    patterns = {"int64": r"^-?[0-9]+$", "uint64": r"^[0-9]+$", "byte": r"^[A-Za-z0-9_\-]*={0,2}$"}
    if schema.get("format") in patterns:
        converted["pattern"] = patterns[schema["format"]]
    if "enum" in schema:
        converted["enum"] = schema["enum"]
    return converted


def schema_for(name: str) -> dict[str, Any]:
    return {"$defs": _DEFS, "$ref": f"#/$defs/{name}"}


_DEFS = {key: discovery_to_json_schema(value) for key, value in DISCOVERY["schemas"].items()}


def validate(body: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(schema).validate(body)


def _strict_object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


GOOGLE_ERROR_SCHEMA = _strict_object(
    {
        "error": _strict_object(
            {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "status": {"type": "string"},
                "errors": {
                    "type": "array",
                    "minItems": 1,
                    "items": _strict_object(
                        {
                            "message": {"type": "string"},
                            "domain": {"type": "string"},
                            "reason": {"type": "string"},
                            "location": {"type": "string"},
                            "locationType": {"type": "string"},
                        },
                        ["message", "domain", "reason"],
                    ),
                },
            },
            ["code", "message", "errors", "status"],
        )
    },
    ["error"],
)
TOKEN_SCHEMA = _strict_object(
    {
        "access_token": {"type": "string"},
        "expires_in": {"const": 3599},
        "token_type": {"const": "Bearer"},
        "scope": {"type": "string"},
        "refresh_token": {"type": "string"},
        "id_token": {"type": "string", "pattern": r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$"},
    },
    ["access_token", "expires_in", "token_type", "scope"],
)
USERINFO_SCHEMA = _strict_object(
    {"sub": {"type": "string"}, "email": {"type": "string"}, "email_verified": {"type": "boolean"}}, ["sub"]
)
TOKENINFO_SCHEMA = _strict_object(
    {
        name: {"type": "string"}
        for name in ("azp", "aud", "sub", "scope", "exp", "expires_in", "access_type", "email", "email_verified")
    },
    ["azp", "aud", "sub", "scope", "exp", "expires_in", "access_type"],
)
OAUTH_ERROR_SCHEMA = _strict_object(
    {"error": {"type": "string"}, "error_description": {"type": "string"}}, ["error", "error_description"]
)


@dataclass(frozen=True)
class ApiMethod:
    name: str
    http_method: str
    path: re.Pattern[str]
    response: str | None


def _api_methods(resource: dict[str, Any], prefix: str) -> list[ApiMethod]:
    found = []
    for name, method in resource.get("methods", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape("/" + method["path"]))
        response = method.get("response", {}).get("$ref")
        found.append(ApiMethod(f"{prefix}.{name}", method["httpMethod"], re.compile(f"^{pattern}$"), response))
    for name, child in resource.get("resources", {}).items():
        found.extend(_api_methods(child, f"{prefix}.{name}"))
    return found


API_METHODS = _api_methods(DISCOVERY, "gmail")


def api_method_for(http_method: str, path: str) -> ApiMethod | None:
    for method in API_METHODS:
        if method.http_method == http_method and method.path.match(path):
            return method
    return None


# The recording server -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int
    content_type: str
    body: bytes


@dataclass
class RecordingServer:
    """A server on a free loopback port whose every answer (batch parts included) is kept for validation."""

    server: GmailServer
    exchanges: list[Exchange] = field(default_factory=list)
    publications: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url

    def record(self, request: Request, response: Response) -> None:
        exchange = Exchange(
            request.method, request.path, response.status_code, response.content_type or "", response.get_data()
        )
        with self._lock:
            self.exchanges.append(exchange)

    def flush_notifications(self) -> list[tuple[str, dict[str, Any]]]:
        self.server.app.store.notifier.flush()
        return list(self.publications)

    def post_json(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.post(path, json.dumps(body or {}).encode(), "application/json")

    def post(self, path: str, data: bytes, content_type: str) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path, data=data, headers={"Content-Type": content_type}, method="POST"
        )
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A JSON dev-API call with any method; raises urllib's HTTPError on 4xx/5xx."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, headers={"Content-Type": "application/json"}, method=method
        )
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)

    def post_error(self, path: str, data: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        try:
            self.post(path, data, content_type)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)
        raise AssertionError(f"POST {path} unexpectedly succeeded")

    def load_mailbox(self, email: str = OWNER, **source: str) -> dict[str, Any]:
        return self.post_json("/_dev/mailboxes", {"email": email, **source})

    def deliver(self, raw: bytes, email: str = OWNER, label_ids: str | None = None) -> dict[str, Any]:
        query = f"?labelIds={label_ids}" if label_ids else ""
        return self.post(f"/_dev/mailboxes/{email}/messages{query}", raw, "message/rfc822")

    def credentials(self, refresh_token: str) -> Credentials:
        return Credentials(
            token=None,
            refresh_token=refresh_token,
            token_uri=f"{self.url}/token",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )

    def service(self, refresh_token: str) -> Any:
        """The client exactly as shared/clients.py builds it: the packaged discovery plus api_endpoint."""
        return build(
            "gmail",
            "v1",
            credentials=self.credentials(refresh_token),
            client_options={"api_endpoint": self.url},
            static_discovery=True,
            cache_discovery=False,
        )

    def rooted_service(self, refresh_token: str) -> Any:
        """A client whose discovery rootUrl is this server, so new_batch_http_request() also lands here."""
        document = {**DISCOVERY, "rootUrl": f"{self.url}/"}
        return build_from_document(document, credentials=self.credentials(refresh_token))


def start_recording_server() -> RecordingServer:
    publications: list[tuple[str, dict[str, Any]]] = []
    app = create_app(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        publish=lambda topic, data: publications.append((topic, json.loads(data))),
    )
    server = GmailServer(app).start()
    recording = RecordingServer(server, publications=publications)
    dispatch = app.dispatch

    def recorded_dispatch(request: Request) -> Response:
        response = dispatch(request)
        recording.record(request, response)
        return response

    app.dispatch = recorded_dispatch  # type: ignore[method-assign]
    return recording


def assert_exchanges_valid(exchanges: list[Exchange]) -> int:
    """Validate every recorded Gmail API and OAuth answer against its schema; returns how many were checked."""
    checked = 0
    for exchange in exchanges:
        schema = _schema_for_exchange(exchange)
        if schema is None:
            continue
        body = json.loads(exchange.body) if exchange.body else {}
        try:
            validate(body, schema)
        except jsonschema.ValidationError as error:
            raise AssertionError(f"{exchange.method} {exchange.path} -> {exchange.status}: {error.message}") from error
        checked += 1
    return checked


_OAUTH_SCHEMAS: dict[str, dict[str, Any] | None] = {
    "/token": TOKEN_SCHEMA,
    "/revoke": {"const": {}},
    "/o/oauth2/v2/auth": None,  # a redirect; its query is checked by the tests that follow it
    "/oauth2/v3/userinfo": USERINFO_SCHEMA,
    "/oauth2/v3/tokeninfo": TOKENINFO_SCHEMA,
    "/oauth2/v1/certs": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {"type": "string", "pattern": "^-----BEGIN CERTIFICATE-----"},
    },
}


def _schema_for_exchange(exchange: Exchange) -> dict[str, Any] | None:
    if exchange.path in _OAUTH_SCHEMAS:
        return OAUTH_ERROR_SCHEMA if exchange.status >= 400 else _OAUTH_SCHEMAS[exchange.path]
    if exchange.path.startswith("/_dev/") or exchange.path.startswith("/batch"):
        return GOOGLE_ERROR_SCHEMA if exchange.status >= 400 else None
    if exchange.status >= 400:
        return GOOGLE_ERROR_SCHEMA
    method = api_method_for(exchange.method, exchange.path)
    assert method is not None, f"no discovery method for {exchange.method} {exchange.path}"
    if method.response is None:
        assert exchange.body == b"", f"{method.name} must answer with an empty body"
        return None
    assert exchange.content_type.startswith("application/json")
    return schema_for(method.response)
