"""A WSGI app served on a loopback port in a background thread: how the local Google stand-ins run."""

from __future__ import annotations

import threading
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from shared.log import get_logger

log = get_logger("local_server")


class QuietRequestHandler(WSGIRequestHandler):
    # Werkzeug writes headers and body separately; the Google clients keep connections alive, and
    # Nagle's algorithm would then hold each body until their delayed ACK (about 40 ms a call).
    disable_nagle_algorithm = True

    # Access logs per request would flood the console during a sync; failures still go to the JSON log.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        log.warning(message % args if args else message, extra={"level": type})


class LocalServer:
    """Serves `wsgi_app` threaded on (host, port); port 0 picks a free one. Usable as a context manager."""

    thread_name = "local-server"

    def __init__(self, wsgi_app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server(
            host, port, wsgi_app, threaded=True, request_handler=QuietRequestHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self.port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
