"""Firebase Hosting (firebase.json) and the local web server route /api/NAME to the same functions."""

import json
import re
from pathlib import Path

import pytest

from devstack.web_server import _function_path
from shared.resources import resources

FIREBASE_JSON = Path(__file__).resolve().parents[2] / "firebase.json"


def _rewrites() -> list[dict]:
    return json.loads(FIREBASE_JSON.read_text())["hosting"]["rewrites"]


def _public_http_functions() -> set[str]:
    return {
        name
        for name, function in resources().functions.items()
        if function.trigger == "http" and function.invoker == "public"
    }


def _function_for(path: str) -> str | None:
    """What Hosting does: the first rewrite whose pattern matches decides."""
    for rule in _rewrites():
        pattern = rule.get("regex")
        if pattern is None and rule["source"] == "**":
            return None
        if pattern is not None and re.fullmatch(pattern, path):
            return rule["function"]["functionId"]
    return None


def test_every_public_http_function_has_an_api_rewrite_and_nothing_else_does():
    declared = {rule["function"]["functionId"] for rule in _rewrites() if "function" in rule}
    assert declared == _public_http_functions()


@pytest.mark.parametrize("name", sorted(_public_http_functions()))
def test_an_api_path_and_its_subpaths_reach_their_function(name):
    assert _function_for(f"/api/{name}") == name
    assert _function_for(f"/api/{name}/rec-1") == name
    assert _function_for(f"/api/{name}x") is None
    assert _function_for(f"/w/ws-1/{name}") is None


def test_the_app_catch_all_comes_last():
    assert _rewrites()[-1] == {"source": "**", "destination": "/index.html"}


@pytest.mark.parametrize(
    ("request_target", "function_target"),
    [
        ("/api/sync-now", "/sync-now/api/sync-now"),
        ("/api/oauth-callback?state=s&code=c", "/oauth-callback/api/oauth-callback?state=s&code=c"),
        ("/api/contact/c_1?workspaceId=w", "/contact/api/contact/c_1?workspaceId=w"),
        ("/api/", None),
        ("/apis/sync-now", None),
        ("/w/ws-1/settings", None),
        ("/assets/index.js", None),
    ],
)
def test_the_local_server_hands_functions_the_path_hosting_would(request_target, function_target):
    assert _function_path(request_target) == function_target
