"""The front of the local functions: what Google's front end does for Cloud Functions.

In the cloud, callers never talk to a function instance directly. When an instance crashes in
the middle of a request the caller still gets an answer, a 5xx, so Pub/Sub and Cloud Tasks
deliver again; a request that arrives while a new instance starts waits for it. Without a front,
a killed process leaves its callers with a closed connection, and the Pub/Sub emulator drops a
push whose connection closes without an answer: the message is neither redelivered nor
dead-lettered (docs/decisions/0008-a-front-for-the-local-functions.md).

This process owns the functions' port and runs the functions themselves (devstack.functions_host)
as a few worker processes on private ports, each started again whenever it exits, and hands each
request to the worker with the fewest requests in hand. Several processes, as Cloud Functions runs
several instances: in one Python process a backfill's Gmail parsing and its ingestion would take
turns on one interpreter lock, which no deployment has.
`POST /_dev/crash` kills every worker with SIGKILL, as crashed instances die, for reliability tests.

With `--signed-port`, a second entrance to the same workers plays what Pub/Sub push, Cloud Tasks and
Cloud Scheduler do in the cloud and the emulators cannot: it adds `Authorization: Bearer <ID token>`
minted by the stack's identity (devstack/identity.py) for the function's URL on the ordinary port
and the caller account shared/resources.json expects. Only the emulators' push endpoints and the
Tasks base URL point at it; the ordinary port passes every request through untouched, so a forged
token sent there reaches the function's own check (docs/decisions/0014).

    python -m devstack.functions_front --port 8081 [--workers 3] [--signed-port 8082 --identity-key FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devstack.identity import LocalIdentity
from devstack.processes import free_port, http_ok
from shared.identity import expected_caller
from shared.resources import resources

CRASH_PATH = "/_dev/crash"
HEALTH_PATH = "/_health"
# Enough instances that a backfill's fetching and its ingestion each have one, on a 2-core machine.
DEFAULT_WORKERS = 3
WORKER_READY_SECONDS = 60.0
# A worker that dies this many times in a row before it ever answers will not start: the front gives up.
FAILED_STARTS_ALLOWED = 3
REQUEST_TIMEOUT_SECONDS = 600  # Cloud Functions' default for HTTP functions is 60 s; tasks may run longer
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}
)


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class Worker:
    """One function instance: started, watched, and started again when it exits."""

    def __init__(self, argv: list[str], port: int, gave_up: threading.Event) -> None:
        self._argv = argv
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self.gave_up = gave_up
        self.in_hand = 0  # requests being answered; changed under the pool's lock

    def run(self) -> None:
        """Keeps a worker running until it fails to start FAILED_STARTS_ALLOWED times in a row."""
        failed_starts = 0
        while failed_starts < FAILED_STARTS_ALLOWED:
            with self._lock:
                # The same process group as the front: stopping the front's group stops the worker too.
                self._process = subprocess.Popen(self._argv, stdin=subprocess.DEVNULL)
                process = self._process
            if self._wait_until_answering(process):
                failed_starts = 0
                self._ready.set()
                process.wait()
                self._ready.clear()
            else:
                failed_starts += 1
                process.kill()
                process.wait()
        self.gave_up.set()

    def _wait_until_answering(self, process: subprocess.Popen[bytes]) -> bool:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            if http_ok(f"http://127.0.0.1:{self.port}{HEALTH_PATH}", timeout=0.5):
                return True
            time.sleep(0.05)
        return False

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def crash(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                self._ready.clear()
                self._process.send_signal(signal.SIGKILL)


class WorkerPool:
    """The instances behind the front; a request goes to a ready one with the fewest in hand."""

    def __init__(self, count: int) -> None:
        self.gave_up = threading.Event()
        self.workers = [self._worker(self.gave_up) for _ in range(count)]
        self._lock = threading.Lock()

    @staticmethod
    def _worker(gave_up: threading.Event) -> Worker:
        port = free_port()
        return Worker([sys.executable, "-m", "devstack.functions_host", "--port", str(port)], port, gave_up)

    def start(self) -> None:
        for number, worker in enumerate(self.workers):
            threading.Thread(target=worker.run, name=f"worker-{number}", daemon=True).start()

    @contextlib.contextmanager
    def take(self, timeout: float) -> Iterator[Worker | None]:
        """A ready worker, counted as busy until the block ends; None if none was ready in time."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                ready = [worker for worker in self.workers if worker.ready]
                chosen = min(ready, key=lambda worker: worker.in_hand, default=None)
                if chosen is not None:
                    chosen.in_hand += 1
            if chosen is not None or time.monotonic() > deadline:
                break
            time.sleep(0.02)  # every instance is starting (after a crash): requests wait, as in the cloud
        try:
            yield chosen
        finally:
            if chosen is not None:
                with self._lock:
                    chosen.in_hand -= 1

    def crash(self) -> None:
        for worker in self.workers:
            worker.crash()


class _FrontHandler(BaseHTTPRequestHandler):
    server: _FrontServer
    protocol_version = "HTTP/1.1"  # keep-alive for callers that want it (the Pub/Sub emulator does)
    # Headers and body leave in separate writes: without this, Nagle's algorithm holds the body of
    # every answer on a kept-alive connection until the caller's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass  # the worker logs every request it answers; the front has nothing to add

    def do_POST(self) -> None:
        if self.path == CRASH_PATH:
            self.server.pool.crash()
            self._answer(HTTPStatus.OK, {"Content-Type": "application/json"}, b'{"crashed": true}')
            return
        self._forward()

    def __getattr__(self, name: str) -> Any:
        # Every other method (GET, PATCH, TRACE, ...) goes to the function, which answers 405 for one it
        # does not serve: like Google's front end, this one has no opinion about methods.
        if name.startswith("do_"):
            return self._forward
        raise AttributeError(name)

    def _forward(self) -> None:
        body = self._read_body()
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        if self.server.identity is not None and self.path != HEALTH_PATH:
            token = self._caller_token()
            if token is None:
                self._answer(
                    HTTPStatus.FORBIDDEN,
                    {"Content-Type": "application/json"},
                    _error_body("not_internal", "this entrance signs calls to internal functions only"),
                )
                return
            headers = {name: value for name, value in headers.items() if name.lower() != "authorization"}
            headers["Authorization"] = f"Bearer {token}"
        # A health probe asks whether an instance answers now; everything else waits for one to start.
        with self.server.pool.take(0 if self.path == HEALTH_PATH else WORKER_READY_SECONDS) as worker:
            if worker is None:
                self._answer(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    {"Content-Type": "application/json", "Retry-After": "1"},
                    _error_body("unavailable", "no function instance could be started"),
                )
                return
            connection = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=REQUEST_TIMEOUT_SECONDS)
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                status, answer_headers, answer = response.status, response.getheaders(), response.read()
            except OSError:
                # The instance died with the request in hand: it may or may not have acted on it, so
                # the caller must deliver again, and every handler is idempotent for exactly this.
                self._answer(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    {"Content-Type": "application/json"},
                    _error_body("instance_crashed", "the function instance handling this request crashed"),
                )
                return
            finally:
                connection.close()
        kept = {name: value for name, value in answer_headers if name.lower() not in HOP_BY_HOP}
        self._answer(HTTPStatus(status), kept, answer)

    def _caller_token(self) -> str | None:
        """The token Pub/Sub, Cloud Tasks or Cloud Scheduler would attach to a call of this path's function."""
        assert self.server.identity is not None
        function = self.path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        if function not in resources().functions:
            return None
        expected = expected_caller(function)
        if expected is None:
            return None
        return self.server.identity.token_for(audience=expected.audience, email=expected.email)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _answer(self, status: HTTPStatus, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], pool: WorkerPool, identity: LocalIdentity | None = None) -> None:
        super().__init__(address, _FrontHandler)
        self.pool = pool
        self.identity = identity  # set on the signing entrance only

    def handle_error(self, request: object, client_address: object) -> None:
        # A caller that gave up (a probe's timeout, a retry) closed its end: nothing to report.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="function instances to run")
    parser.add_argument("--signed-port", type=int, help="an entrance that signs calls as Google's callers would")
    parser.add_argument("--identity-key", type=Path, help="the stack's identity key (devstack/identity.py)")
    args = parser.parse_args()
    if (args.signed_port is None) != (args.identity_key is None):
        parser.error("--signed-port and --identity-key go together")
    pool = WorkerPool(max(1, args.workers))
    servers = [_FrontServer((args.host, args.port), pool)]
    if args.signed_port is not None:
        servers.append(_FrontServer((args.host, args.signed_port), pool, LocalIdentity.load(args.identity_key)))
    pool.start()
    for number, server in enumerate(servers):
        threading.Thread(target=server.serve_forever, name=f"front-{number}", daemon=True).start()
    pool.gave_up.wait()
    print("functions_front: a functions worker exits before it answers; see the lines above", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
