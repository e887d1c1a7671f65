"""Serves the built web app (web/dist) the way Firebase Hosting does, for the local stack and browser tests.

- `/__/firebase/init.json` answers the web config handed in (locally it also names the emulators);
- files come from the dist directory; every answer carries the headers firebase.json's `hosting.headers`
  give its path (caching, and the security headers with the Content-Security-Policy), so the browser tests
  run under the production policy; the only local difference is the emulators' origins, added to the
  policy's `connect-src` from the same init config that tells the app where they are;
- `/api/NAME[/...]` is passed to the function NAME on the functions host, path unchanged, as Hosting's
  rewrites in firebase.json do in production (same origin: no CORS, the ID token travels as `Authorization`);
  like Hosting, only the cookie named `__session` goes along, and a function's `Set-Cookie` comes back;
- any other path without a file extension, and any under /w/ or /join/, is a client-side route and gets index.html.

    python -m devstack.web_server --dist web/dist --port 5000 --init-json '{"projectId": "demo-rapport", ...}' \
        --functions-url http://127.0.0.1:8081
"""

from __future__ import annotations

import argparse
import http.client
import json
import mimetypes
import re
import signal
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from devstack.addon_client import AddonCaller
from devstack.identity import LocalIdentity

FIREBASE_JSON = Path(__file__).resolve().parents[1] / "firebase.json"
INIT_JSON_PATH = "/__/firebase/init.json"
# Paths the web app routes itself (web/src/lib/router.ts): their last segment may hold a dot (a company domain).
APP_ROUTE_PREFIXES = ("/w/", "/join/")
API_PREFIX = "/api/"
# What a function's answer may carry back to the browser (hop-by-hop headers stay behind).
PROXIED_RESPONSE_HEADERS = (
    "Content-Type",
    "Location",
    "Retry-After",
    "WWW-Authenticate",
    "Cache-Control",
    "Set-Cookie",
)
PROXIED_REQUEST_HEADERS = ("Authorization", "Content-Type", "Accept")
# Hosting strips every other cookie from requests it passes to functions.
FORWARDED_COOKIE = "__session"
PROXY_TIMEOUT_SECONDS = 60
FUNCTIONS_DOWN = b'{"error": {"code": "unavailable", "message": "the functions host did not answer"}}'
# What a file firebase.json says nothing about gets: revalidated, so a new build shows at once.
NO_CACHE = "no-cache"
NO_STORE = "no-store"
CONTENT_SECURITY_POLICY = "Content-Security-Policy"

# Some systems' mime tables lack these or map them oddly; browsers refuse module scripts served wrongly.
_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
}


def _content_type(path: Path) -> str:
    return _CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class HeaderRule:
    """One entry of firebase.json's `hosting.headers`: a path pattern and the headers it adds."""

    pattern: re.Pattern[str]
    headers: dict[str, str]


def hosting_header_rules(firebase_json: Path = FIREBASE_JSON) -> list[HeaderRule]:
    rules = []
    for entry in json.loads(firebase_json.read_text())["hosting"].get("headers", []):
        pattern = re.compile(entry["regex"]) if "regex" in entry else _glob_pattern(entry["source"])
        rules.append(HeaderRule(pattern, {header["key"]: header["value"] for header in entry["headers"]}))
    return rules


def _glob_pattern(glob: str) -> re.Pattern[str]:
    """Hosting's globs as they appear in firebase.json: `**` spans directories, `*` stays within one."""
    parts = re.split(r"(\*\*|\*)", glob)
    translated = "".join({"**": ".*", "*": "[^/]*"}.get(part) or re.escape(part) for part in parts)
    return re.compile(f"^{translated}$")


def headers_for(path: str, rules: list[HeaderRule]) -> dict[str, str]:
    """Every rule whose pattern matches the path adds its headers; a later rule wins a repeated header."""
    headers: dict[str, str] = {}
    for rule in rules:
        if rule.pattern.search(path):
            headers.update(rule.headers)
    return headers


def emulator_origins(init_config: dict[str, Any]) -> list[str]:
    """The origins the app talks to locally instead of Google's: the emulators named in the init config."""
    emulators = init_config.get("emulators") or {}
    origins = []
    if firestore := emulators.get("firestore"):
        origins.append(f"http://{firestore['host']}:{firestore['port']}")
    if auth := emulators.get("auth"):
        origins.append("{0.scheme}://{0.netloc}".format(urlsplit(auth["url"])))
    if storage := emulators.get("storage"):
        origins.append(f"http://{storage['host']}:{storage['port']}")
    return origins


def with_connect_sources(rules: list[HeaderRule], origins: list[str]) -> list[HeaderRule]:
    """The rules with `origins` added to every Content-Security-Policy's connect-src, nothing else changed."""
    if not origins:
        return rules

    def widened(policy: str) -> str:
        directives = [directive.strip() for directive in policy.split(";")]
        return "; ".join(
            " ".join([directive, *origins]) if directive.split(" ")[0] == "connect-src" else directive
            for directive in directives
        )

    return [
        HeaderRule(
            rule.pattern,
            {
                key: widened(value) if key.lower() == CONTENT_SECURITY_POLICY.lower() else value
                for key, value in rule.headers.items()
            },
        )
        for rule in rules
    ]


ADDON_PREVIEW_PATH = "/_dev/addon"
ADDON_FUNCTIONS = frozenset({"addon-homepage", "addon-message", "addon-action"})


@dataclass
class AddonPreview:
    """The local stack's stand-in for Gmail behind /addon-preview: `ask` turns what the page opened or clicked
    (`{"function", "messageId"?, "parameters"?, "form"?, "user"?}`) into a signed event for that function."""

    caller: AddonCaller
    default_user: str | None

    def ask(self, asked: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        function = str(asked.get("function") or "addon-homepage")
        user = str(asked.get("user") or self.default_user or "")
        if function not in ADDON_FUNCTIONS or "@" not in user:
            return HTTPStatus.BAD_REQUEST, {"error": "name an add-on function and a user"}
        message_id = asked.get("messageId")
        form = asked.get("form") if isinstance(asked.get("form"), dict) else None
        event = self.caller.event(
            function,
            user,
            message_id=str(message_id) if message_id else None,
            parameters={str(k): str(v) for k, v in (asked.get("parameters") or {}).items()},
            form={str(k): v if isinstance(v, int) else str(v) for k, v in (form or {}).items()},
        )
        return self.caller.post(function, event)


class _HostingRequestHandler(SimpleHTTPRequestHandler):
    """GET and HEAD for files, like a static host; any method under /api/ goes to the functions.
    The server object carries the dist dir, the init config and the functions' URL."""

    server: _HostingHTTPServer
    server_version = "RapportWeb/1"
    # Keep-alive: every response carries Content-Length, and a page load fetches several files.
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; on a kept-alive connection Nagle's algorithm would
    # hold the body until the browser's delayed ACK, some 40 ms on every API call.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if not self._proxied():
            self._respond(include_body=True)

    def do_HEAD(self) -> None:
        if not self._proxied():
            self._respond(include_body=False)

    def do_POST(self) -> None:
        if urlsplit(self.path).path == ADDON_PREVIEW_PATH and self.server.addon_preview is not None:
            self._answer_addon_preview(self.server.addon_preview)
        elif not self._proxied():
            self._send_not_found(include_body=True)

    def _answer_addon_preview(self, preview: AddonPreview) -> None:
        """Plays Gmail for the sidebar preview page: the page says what was opened or clicked, this signs it
        as Google would and answers what the add-on's function answered."""
        length = int(self.headers.get("Content-Length") or 0)
        try:
            asked = json.loads(self.rfile.read(length) or b"{}")
            status, answer = preview.ask(asked if isinstance(asked, dict) else {})
        except (ValueError, OSError) as error:
            status, answer = HTTPStatus.BAD_REQUEST, {"error": str(error)}
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", NO_CACHE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # The REST functions also answer PUT, PATCH and DELETE (a record by id, the pipeline).
    do_PUT = do_POST
    do_PATCH = do_POST
    do_DELETE = do_POST

    def _proxied(self) -> bool:
        """Passes an /api/ request on to its function; False when the path is not an API path."""
        target = _function_path(self.path)
        if target is None:
            return False
        include_body = self.command != "HEAD"
        if self.server.functions_url is None:
            self._send_not_found(include_body=include_body)
            return True
        length = int(self.headers.get("Content-Length") or 0)
        request_headers = {name: value for name in PROXIED_REQUEST_HEADERS if (value := self.headers.get(name))}
        session = _forwarded_cookie(self.headers.get_all("Cookie") or [])
        if session is not None:
            request_headers["Cookie"] = session
        try:
            answer = _forward(
                self.server.functions_url,
                self.command,
                target,
                self.rfile.read(length) if length else None,
                request_headers,
            )
        except OSError:
            answer = _FunctionAnswer(HTTPStatus.BAD_GATEWAY, {"Content-Type": "application/json"}, FUNCTIONS_DOWN)
        self.send_response(answer.status)
        # What the function said about its answer stands; Hosting's headers fill in the rest.
        for name, value in {**self._hosting_headers(), **answer.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if include_body:
            self.wfile.write(answer.body)
        return True

    def _respond(self, *, include_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == INIT_JSON_PATH:
            self._send_bytes(self.server.init_json, "application/json", NO_STORE, include_body=include_body)
            return
        if path.startswith("/__/"):
            self._send_not_found(include_body=include_body)
            return
        file_path = self._file_for(path)
        if file_path is not None:
            self._send_bytes(file_path.read_bytes(), _content_type(file_path), NO_CACHE, include_body=include_body)
            return
        # A missing asset (a file name) is a real 404; a path like /w/abc/contacts is a route of the app,
        # and so is every path under the app's own prefixes, even one naming a domain (/w/abc/companies/acme.com).
        if "." in Path(path).name and not path.startswith(APP_ROUTE_PREFIXES):
            self._send_not_found(include_body=include_body)
            return
        index = self.server.dist_dir / "index.html"
        if not index.is_file():
            self._send_not_found(include_body=include_body)
            return
        self._send_bytes(index.read_bytes(), _content_type(index), NO_STORE, include_body=include_body)

    def _file_for(self, url_path: str) -> Path | None:
        """The file under dist for this URL path, never one outside it."""
        relative = url_path.lstrip("/") or "index.html"
        candidate = (self.server.dist_dir / relative).resolve()
        if not candidate.is_relative_to(self.server.dist_dir):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def _hosting_headers(self) -> dict[str, str]:
        return headers_for(unquote(urlsplit(self.path).path), self.server.header_rules)

    def _send_bytes(
        self,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        include_body: bool,
        status: HTTPStatus = HTTPStatus.OK,
    ) -> None:
        """`cache_control` holds unless firebase.json's headers for the path say otherwise (never for an
        error: a missing file under /assets/ must not be cached for a year)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        headers = {"Cache-Control": cache_control, **self._hosting_headers()}
        if status != HTTPStatus.OK:
            headers["Cache-Control"] = cache_control
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def _send_not_found(self, *, include_body: bool) -> None:
        body, content_type = b"Not found\n", "text/plain; charset=utf-8"
        self._send_bytes(body, content_type, NO_STORE, include_body=include_body, status=HTTPStatus.NOT_FOUND)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            super().log_message(format, *args)


@dataclass(frozen=True)
class _FunctionAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def _forward(
    functions_url: str, method: str, target: str, body: bytes | None, headers: dict[str, str]
) -> _FunctionAnswer:
    """One request to the functions host, its answer read whole (answers are small JSON or a redirect)."""
    base = urlsplit(functions_url)
    connection = http.client.HTTPConnection(base.netloc, timeout=PROXY_TIMEOUT_SECONDS)
    try:
        connection.request(method, f"{base.path.rstrip('/')}{target}", body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    kept = {name: value for name in PROXIED_RESPONSE_HEADERS if (value := response.getheader(name)) is not None}
    kept.setdefault("Cache-Control", NO_STORE)
    return _FunctionAnswer(response.status, kept, payload)


def _forwarded_cookie(cookie_headers: list[str]) -> str | None:
    """`__session=...` out of the browser's Cookie headers, as Hosting keeps it; None when absent."""
    for header in cookie_headers:
        for pair in header.split(";"):
            name, _, value = pair.strip().partition("=")
            if name == FORWARDED_COOKIE:
                return f"{FORWARDED_COOKIE}={value}"
    return None


def _function_path(request_target: str) -> str | None:
    """`/api/NAME/rest?query` → `/NAME/api/NAME/rest?query` on the functions host (None for other paths).

    Hosting hands a rewritten request to its function with the path the browser asked for, so the
    function NAME sees `/api/NAME/rest` here too, exactly as it will in production.
    """
    path = urlsplit(request_target).path
    if not path.startswith(API_PREFIX):
        return None
    name = path[len(API_PREFIX) :].partition("/")[0]
    return f"/{name}{request_target}" if name else None


class _HostingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        dist_dir: Path,
        init_config: dict[str, Any],
        log_requests: bool,
        functions_url: str | None,
        addon_preview: AddonPreview | None = None,
    ):
        self.addon_preview = addon_preview
        self.dist_dir = dist_dir
        self.init_json = json.dumps(init_config).encode()
        self.header_rules = with_connect_sources(hosting_header_rules(), emulator_origins(init_config))
        self.log_requests = log_requests
        self.functions_url = functions_url
        super().__init__(address, _HostingRequestHandler)


class WebServer:
    """The static server, bound on construction (so `port` is known even when 0 was asked for).
    Without `functions_url`, /api/ paths answer 404."""

    def __init__(
        self,
        dist_dir: Path,
        host: str,
        port: int,
        init_config: dict[str, Any],
        *,
        functions_url: str | None = None,
        log_requests: bool = False,
        addon_preview: AddonPreview | None = None,
    ) -> None:
        dist_dir = Path(dist_dir).resolve()
        if not (dist_dir / "index.html").is_file():
            raise FileNotFoundError(f"{dist_dir}/index.html is missing: build the web app first (web/: npm run build)")
        self._httpd = _HostingHTTPServer(
            (host, port), dist_dir, init_config, log_requests, functions_url, addon_preview
        )
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> WebServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="rapport-web-server", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(
    dist_dir: Path,
    host: str,
    port: int,
    init_config: dict[str, Any],
    *,
    functions_url: str | None = None,
    log_requests: bool = False,
    addon_preview: AddonPreview | None = None,
) -> WebServer:
    """Starts serving in a background thread and returns the server; call `.stop()` when done."""
    return WebServer(
        dist_dir,
        host,
        port,
        init_config,
        functions_url=functions_url,
        log_requests=log_requests,
        addon_preview=addon_preview,
    ).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.web_server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=Path("web/dist"), help="the built web app (default: web/dist)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--init-json", required=True, help="the body of /__/firebase/init.json (JSON text)")
    parser.add_argument("--functions-url", help="where /api/NAME goes: the functions host (BASE/NAME)")
    parser.add_argument("--log-requests", action="store_true")
    parser.add_argument("--gmail-url", help="the local Gmail server, for the sidebar preview's message tokens")
    parser.add_argument("--identity-key", type=Path, help="the stack's signing key: the preview signs as Google")
    parser.add_argument("--addon-user", help="whose Gmail the sidebar preview shows (a page may name another)")
    args = parser.parse_args(argv)
    try:
        init_config = json.loads(args.init_json)
    except json.JSONDecodeError as error:
        parser.error(f"--init-json is not valid JSON: {error}")
    if not isinstance(init_config, dict):
        parser.error("--init-json must be a JSON object")

    preview = None
    if args.functions_url and args.gmail_url and args.identity_key:
        preview = AddonPreview(
            AddonCaller(args.functions_url, args.gmail_url, LocalIdentity.load(args.identity_key)), args.addon_user
        )
    server = serve(
        args.dist,
        args.host,
        args.port,
        init_config,
        functions_url=args.functions_url,
        log_requests=args.log_requests,
        addon_preview=preview,
    )
    stopped = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopped.set())
    print(f"web app: {server.url}", flush=True)
    stopped.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
