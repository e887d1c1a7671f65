"""What every bench shares: its progress printer, the record of which emulators and stand-ins answered it,
and the settings a bench that runs shared/ code in its own process needs, pointed at nothing real."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from typing import Any

EMULATOR = "emulator"
BROWSER = "Debian chromium"


def say(bench: str, message: str) -> None:
    """Progress for whoever watches, on stderr: stdout's last line is the bench's JSON and nothing else."""
    print(f"bench {bench}: {message}", file=sys.stderr, flush=True)


def stand_in(server: str = "") -> str:
    """How a local stand-in for a Google service is named in `answered_by`, with the devstack server playing it."""
    return f"local stand-in ({server})" if server else "local stand-in"


def answered_by(**services: str) -> dict[str, str]:
    """A bench's ANSWERED_BY: service -> who answered it here (EMULATOR, stand_in(...), BROWSER).
    Figures from a stand-in or an emulator are never to be read as the real service's."""
    return {service.replace("_", " "): who for service, who in services.items()}


def with_answered_by(bench: str, result: dict[str, Any], served: dict[str, str]) -> dict[str, Any]:
    """The bench's result with its `answered_by` entry, said on stderr as well; unchanged when nothing stood in."""
    if not served:
        return result
    say(bench, "answered by " + ", ".join(f"{service}: {who}" for service, who in served.items()))
    return {**result, "answered_by": served}


def bench_env(**emulator_hosts: str) -> dict[str, str]:
    """This process's environment with the settings shared/ demands, and the emulators named
    (e.g. FIRESTORE_EMULATOR_HOST="127.0.0.1:8080"). Imported when a bench starts, not by the processes it
    measures: devstack.stack is heavy."""
    from devstack.stack import PROJECT_ID

    return {
        **os.environ,
        **emulator_hosts,
        "GOOGLE_CLOUD_PROJECT": PROJECT_ID,
        "RAPPORT_PROJECT_ID": PROJECT_ID,
        "RAPPORT_REGION": "us-central1",
        "RAPPORT_FUNCTIONS_BASE_URL": "http://127.0.0.1:1",
        "RAPPORT_OAUTH_REDIRECT_URI": "http://127.0.0.1:1/oauth-callback",
        "RAPPORT_WEB_APP_URL": "http://127.0.0.1:1",
        "RAPPORT_OAUTH_CLIENT_ID": "bench",
        "RAPPORT_LOCAL_TOKEN_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
