"""OAuth scopes: Google's short names, which scopes exist, and which of them each Gmail method accepts.

The accepted scopes come from the discovery document shipped with google-api-python-client, so the
server refuses exactly the calls Gmail would refuse.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import googleapiclient

USERINFO_EMAIL = "https://www.googleapis.com/auth/userinfo.email"
USERINFO_PROFILE = "https://www.googleapis.com/auth/userinfo.profile"
# Google answers with the long names of the OpenID shorthands.
_SHORTHANDS = {"email": USERINFO_EMAIL, "profile": USERINFO_PROFILE}
_GOOGLE_SCOPE_PREFIXES = ("https://www.googleapis.com/auth/", "https://mail.google.com/")
_DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "gmail.v1.json"


def normalize(scope: str) -> list[str]:
    """Split a space-delimited scope string, expanding shorthands and dropping repeats, order kept."""
    names: list[str] = []
    for name in scope.split():
        name = _SHORTHANDS.get(name, name)
        if name not in names:
            names.append(name)
    return names


def unknown(names: list[str]) -> list[str]:
    return [name for name in names if name != "openid" and not name.startswith(_GOOGLE_SCOPE_PREFIXES)]


def accepted_by(operation: str) -> list[str]:
    """Scopes any one of which lets a token call `operation` (e.g. "users.messages.get")."""
    return _method_scopes().get(f"gmail.{operation}", [])


@functools.cache
def _method_scopes() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def walk(resource: dict[str, Any]) -> None:
        for method in resource.get("methods", {}).values():
            found[method["id"]] = list(method.get("scopes", []))
        for child in resource.get("resources", {}).values():
            walk(child)

    walk(json.loads(_DISCOVERY.read_text()))
    return found
