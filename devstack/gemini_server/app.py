"""The WSGI application: routing, auth, faults, the request log, and the threaded server hosting it."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from devstack.gemini_server import embed, errors
from devstack.gemini_server.faults import FaultSwitch
from devstack.gemini_server.generate import count_tokens, generate_content, stream_chunks
from devstack.local_server import LocalServer
from shared.log import get_logger

log = get_logger("gemini_server")

JSON_TYPE = "application/json; charset=UTF-8"
# Every answer says it came from this stand-in, so Rapport can tell its users (not a Google header).
STAND_IN_HEADER = "X-Rapport-Stand-In"
_STAND_IN = {STAND_IN_HEADER: "local-gemini"}
STREAM_CHUNK_SECONDS = 0.03
# The SDK sends v1beta1 by default and v1 when GOOGLE_GENAI_API_VERSION says so.
_MODEL_CALL = re.compile(
    r"^/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/publishers/(?P<publisher>[^/]+)/models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$"
)
_METHODS = frozenset({"generateContent", "streamGenerateContent", "countTokens"})
_EMBEDDING_METHODS = {"predict": embed.predict, "embedContent": embed.embed_content}
_MODEL_NAME = re.compile(r"^gemini-[\w.-]+$")


@dataclass(frozen=True)
class RecordedCall:
    method: str
    model: str
    project: str
    location: str
    status: int
    body: dict[str, Any]


class GeminiApp:
    """The API over no state but `faults` and `calls`, which tests reach directly."""

    def __init__(self) -> None:
        self.faults = FaultSwitch()
        self._calls: list[RecordedCall] = []
        self._lock = threading.Lock()

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            if request.path.startswith("/_dev/"):
                return self._dev(request)
            return self._model_call(request)
        except errors.ApiError as error:
            return _json(error.body(), error.code)
        except Exception:
            log.exception("request failed", extra={"method": request.method, "path": request.path})
            return _json(errors.ApiError(500).body(), 500)

    def _model_call(self, request: Request) -> Response:
        match = _MODEL_CALL.match(request.path)
        if match is None or match["method"] not in _METHODS | _EMBEDDING_METHODS.keys():
            raise errors.not_found(f"The requested URL {request.path} was not found on this server.")
        if request.method != "POST":
            raise errors.ApiError(400, f"Method {request.method} not allowed for {request.path}")
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            raise errors.unauthenticated()
        model, resource = match["model"], _resource(match)
        if match["publisher"] != "google" or not _MODEL_NAME.match(model):
            raise errors.not_found(
                f"Publisher Model `{resource}` was not found or your project does not have access to it."
            )
        body = _json_body(request)
        status = 200
        try:
            fault = self.faults.take(model)
            if fault is not None:
                raise fault
            if embed.is_embedding_model(model) != (match["method"] in _EMBEDDING_METHODS):
                raise errors.not_found(f"{match['method']} is not supported by the model `{resource}`.")
            if match["method"] in _EMBEDDING_METHODS:
                return _json(_EMBEDDING_METHODS[match["method"]](body))
            if match["method"] == "countTokens":
                return _json(count_tokens(body))
            answer = generate_content(body, model=model)
            if match["method"] == "streamGenerateContent":
                chunks = stream_chunks(answer)
                return _sse(chunks) if request.args.get("alt") == "sse" else _json(chunks)
            return _json(answer)
        except errors.ApiError as error:
            status = error.code
            raise
        finally:
            call = RecordedCall(match["method"], model, match["project"], match["location"], status, body)
            with self._lock:
                self._calls.append(call)

    def _dev(self, request: Request) -> Response:
        if request.path == "/_dev/health" and request.method == "GET":
            return _json({"ok": True})
        if request.path == "/_dev/faults" and request.method == "POST":
            spec = _json_body(request)
            try:
                self.faults.inject(
                    int(spec.get("code", 0)),
                    times=spec.get("times", 1),
                    model=spec.get("model"),
                    message=spec.get("message"),
                )
            except (TypeError, ValueError) as error:
                raise errors.invalid_argument(str(error)) from error
            return _json({"ok": True})
        if request.path == "/_dev/faults" and request.method == "DELETE":
            self.faults.clear()
            return _json({"ok": True})
        if request.path == "/_dev/calls" and request.method == "GET":
            return _json({"calls": [vars(call) for call in self.calls]})
        if request.path == "/_dev/calls" and request.method == "DELETE":
            self.clear_calls()
            return _json({"ok": True})
        raise errors.not_found(f"The requested URL {request.path} was not found on this server.")


def _resource(match: re.Match[str]) -> str:
    where = f"projects/{match['project']}/locations/{match['location']}"
    return f"{where}/publishers/{match['publisher']}/models/{match['model']}"


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type=JSON_TYPE, headers=_STAND_IN)


def _sse(chunks: list[dict[str, Any]]) -> Response:
    """One server-sent event per chunk, paced as a model produces text, so clients see it arrive."""

    def events() -> Iterator[str]:
        for index, chunk in enumerate(chunks):
            if index:
                time.sleep(STREAM_CHUNK_SECONDS)
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\r\n\r\n"

    return Response(events(), content_type="text/event-stream", headers=_STAND_IN)


def _json_body(request: Request) -> dict[str, Any]:
    raw = request.get_data()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise errors.invalid_argument(f"Invalid JSON payload received. {error}") from error
    if not isinstance(body, dict):
        raise errors.invalid_argument("Invalid JSON payload received. Expected an object.")
    return body


class GeminiServer(LocalServer):
    """The local Gemini server on (host, port); port 0 picks a free one. Usable as a context manager."""

    thread_name = "gemini-server"

    def __init__(self, app: GeminiApp | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app or GeminiApp()
        super().__init__(self.app, host=host, port=port)

    @property
    def url(self) -> str:
        return f"{super().url}/"  # the google-genai SDK joins paths onto a base URL ending in /
