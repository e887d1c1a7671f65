"""Google's batch endpoint: a multipart/mixed body of application/http requests, answered in kind."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers
from werkzeug.http import parse_options_header
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from devstack.gmail_server import errors

MAX_PARTS = 100


@dataclass(frozen=True)
class _Part:
    content_id: str | None
    request_bytes: bytes


def handle_batch(request: Request, dispatch: Callable[[Request], Response]) -> Response:
    mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
    boundary = options.get("boundary")
    if mimetype != "multipart/mixed" or not boundary:
        raise errors.bad_request("Batch requests must be multipart/mixed with a boundary")
    parts = _split_parts(request.get_data(), boundary.encode("latin-1"))
    if len(parts) > MAX_PARTS:
        raise errors.bad_request(f"A batch request cannot contain more than {MAX_PARTS} calls")
    inherited = _inherited_headers(request.headers)
    answers = [(part.content_id, dispatch(_inner_request(part.request_bytes, inherited))) for part in parts]
    response_boundary = "batch_" + secrets.token_urlsafe(12)
    return Response(
        _render(answers, response_boundary),
        content_type=f"multipart/mixed; boundary={response_boundary}",
    )


def _split_parts(body: bytes, boundary: bytes) -> list[_Part]:
    delimiter = b"--" + boundary
    chunks = body.split(delimiter)
    parts: list[_Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter; what follows is the epilogue
        headers, content = _split_head(chunk.lstrip(b"\r\n"))
        parts.append(_Part(_header(headers, "content-id"), content))
    return parts


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = data.partition(separator)
        if found:
            return head, rest
    return data, b""


def _header(head: bytes, name: str) -> str | None:
    for line in head.decode("latin-1").splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() == name:
            return value.strip()
    return None


def _inherited_headers(outer: Headers) -> list[tuple[str, str]]:
    # Outer headers apply to every part unless the part overrides them; Content-* headers never carry over.
    skipped = ("content-", "host")
    return [(key, value) for key, value in outer.items() if not key.lower().startswith(skipped)]


def _inner_request(data: bytes, inherited: list[tuple[str, str]]) -> Request:
    head, body = _split_head(data)
    lines = head.decode("latin-1").splitlines()
    request_line = lines[0].split() if lines else []
    if len(request_line) < 2:
        raise errors.bad_request("Each batch part must hold an HTTP request")
    method, target = request_line[0], request_line[1]
    headers = Headers(inherited)
    for line in lines[1:]:
        key, colon, value = line.partition(":")
        if colon:
            headers.set(key.strip(), value.strip())
    url = urlsplit(target)
    body = body.rstrip(b"\r\n") if body.strip() else b""
    builder = EnvironBuilder(method=method, path=url.path, query_string=url.query, headers=headers, data=body)
    try:
        return builder.get_request()
    finally:
        builder.close()


def _render(answers: list[tuple[str | None, Response]], boundary: str) -> bytes:
    out: list[bytes] = []
    for content_id, response in answers:
        out.append(f"--{boundary}\r\nContent-Type: application/http\r\n".encode())
        if content_id:
            out.append(f"Content-ID: {_response_id(content_id)}\r\n".encode("latin-1"))
        out.append(b"\r\n")
        out.append(_status_line(response.status_code).encode())
        for key, value in response.headers.items():
            out.append(f"{key}: {value}\r\n".encode("latin-1"))
        out.append(b"\r\n")
        out.append(response.get_data())
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def _response_id(content_id: str) -> str:
    inner = content_id[1:-1] if content_id.startswith("<") and content_id.endswith(">") else content_id
    return f"<response-{inner}>"


def _status_line(code: int) -> str:
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown"
    return f"HTTP/1.1 {code} {phrase}\r\n"
