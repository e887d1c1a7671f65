"""The settings a bench that runs shared/ code in its own process needs, pointed at nothing real."""

from __future__ import annotations

import base64
import os
import secrets


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
