"""Run the local Gemini server: `python -m devstack.gemini_server --host 127.0.0.1 --port PORT`."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from types import FrameType

from devstack.gemini_server.app import GeminiServer
from shared.log import get_logger

log = get_logger("gemini_server")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.gemini_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    args = parser.parse_args(argv)
    server = GeminiServer(host=args.host, port=args.port)

    def _terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    log.info("gemini server listening", extra={"url": server.url})
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
