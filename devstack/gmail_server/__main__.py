"""Run the local Gmail server: `python -m devstack.gmail_server --host 127.0.0.1 --port PORT`.

Reads RAPPORT_OAUTH_CLIENT_ID and RAPPORT_OAUTH_CLIENT_SECRET (the OAuth client the token endpoint accepts)
and PUBSUB_EMULATOR_HOST (where watch notifications are published).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from devstack.gmail_server.app import GmailServer, create_app
from devstack.gmail_server.loader import read_mail
from devstack.gmail_server.quota import DEFAULT_UNITS_PER_SECOND, DEFAULT_WINDOW_SECONDS, QuotaSettings
from devstack.identity import LocalIdentity
from shared.log import get_logger

log = get_logger("gmail_server")
_REQUIRED_ENV = ("RAPPORT_OAUTH_CLIENT_ID", "RAPPORT_OAUTH_CLIENT_SECRET")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.gmail_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument(
        "--mailbox",
        action="append",
        default=[],
        metavar="EMAIL=PATH",
        help="preload a mailbox from an mbox file or a folder of .eml files (repeatable)",
    )
    parser.add_argument("--quota", action="store_true", help="enforce Gmail's per-user quota (off by default)")
    parser.add_argument("--quota-units-per-second", type=float, default=DEFAULT_UNITS_PER_SECOND, metavar="UNITS")
    parser.add_argument("--quota-window-seconds", type=float, default=DEFAULT_WINDOW_SECONDS, metavar="SECONDS")
    parser.add_argument(
        "--identity-key",
        type=Path,
        metavar="PEM",
        help="sign ID tokens with this key (the local stack's, devstack/identity.py); default: a new one",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    missing = [name for name in _REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        log.error("missing configuration", extra={"missing": missing})
        return 2
    if not os.environ.get("PUBSUB_EMULATOR_HOST"):
        log.warning("PUBSUB_EMULATOR_HOST is not set: watch notifications would go to real Pub/Sub")
    if args.quota_units_per_second <= 0 or args.quota_window_seconds <= 0:
        log.error("quota settings must be positive")
        return 2
    quota = QuotaSettings(args.quota, args.quota_units_per_second, args.quota_window_seconds)
    app = create_app(
        client_id=os.environ["RAPPORT_OAUTH_CLIENT_ID"],
        client_secret=os.environ["RAPPORT_OAUTH_CLIENT_SECRET"],
        quota=quota,
        identity=LocalIdentity.load(args.identity_key) if args.identity_key else None,
    )
    for spec in args.mailbox:
        email, _, path = spec.partition("=")
        source = {"mbox": path} if os.path.isfile(path) else {"eml_dir": path}
        mailbox, refresh_token = app.store.replace_mailbox(email, read_mail(**source))
        log.info("mailbox loaded", extra={"email": mailbox.email, "refreshToken": refresh_token, "source": path})
    server = GmailServer(app, host=args.host, port=args.port)

    def _terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    log.info("gmail server listening", extra={"url": server.url, "quota": quota.as_json()})
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
