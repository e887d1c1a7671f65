"""Firebase Hosting (firebase.json) and the local web server: /api/NAME reaches the same functions, and every
answer carries the same security headers (locally the emulators' origins are the only addition)."""

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devstack.web_server import (
    INIT_JSON_PATH,
    WebServer,
    _forwarded_cookie,
    _function_path,
    emulator_origins,
    headers_for,
    hosting_header_rules,
    with_connect_sources,
)
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


# -- security headers -------------------------------------------------------------------------------

PAGES = ("/", "/index.html", "/w/ws-1/contacts", "/assets/index-abc.js", "/favicon.svg", "/api/contacts")
PRODUCTION_CONNECT_SOURCES = {
    "'self'",
    "https://firestore.googleapis.com",
    "https://identitytoolkit.googleapis.com",
    "https://securetoken.googleapis.com",
    "https://storage.googleapis.com",  # Takeout uploads go to a Cloud Storage resumable session
}
LOCAL_INIT = {
    "projectId": "demo-rapport",
    "apiKey": "local",
    "emulators": {"firestore": {"host": "127.0.0.1", "port": 8123}, "auth": {"url": "http://127.0.0.1:9123"}},
}


def _policy(value: str) -> dict[str, list[str]]:
    directives = (directive.split() for directive in value.split(";") if directive.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("path", PAGES)
def test_hosting_sends_the_security_headers_with_every_answer(path):
    headers = headers_for(path, hosting_header_rules())
    policy = _policy(headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    for directive in ("script-src", "style-src"):  # no inline code, no eval, no data: scripts
        assert not {"'unsafe-inline'", "'unsafe-eval'", "data:", "*"} & set(policy[directive])
    assert set(policy["connect-src"]) == PRODUCTION_CONNECT_SOURCES
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "microphone=()" in headers["Permissions-Policy"]
    max_age = int(re.search(r"max-age=(\d+)", headers["Strict-Transport-Security"]).group(1))
    assert max_age >= 365 * 24 * 3600


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [
        ("/", "no-store"),
        ("/index.html", "no-store"),
        ("/w/ws-1/contacts", "no-store"),
        ("/assets/index-abc.js", "public, max-age=31536000, immutable"),
        ("/assets/deep/font.woff2", "public, max-age=31536000, immutable"),
        ("/favicon.svg", None),
    ],
)
def test_header_rules_match_paths_as_hosting_does(path, cache_control):
    assert headers_for(path, hosting_header_rules()).get("Cache-Control") == cache_control


def test_the_local_policy_only_adds_the_emulators_to_connect_src():
    production = hosting_header_rules()
    local = with_connect_sources(production, emulator_origins(LOCAL_INIT))
    for path in PAGES:
        expected, served = headers_for(path, production), headers_for(path, local)
        assert {**served, "Content-Security-Policy": ""} == {**expected, "Content-Security-Policy": ""}
        expected_policy, served_policy = (_policy(h["Content-Security-Policy"]) for h in (expected, served))
        assert served_policy.pop("connect-src") == [
            *expected_policy.pop("connect-src"),
            "http://127.0.0.1:8123",
            "http://127.0.0.1:9123",
        ]
        assert served_policy == expected_policy


@pytest.fixture
def local_web_server(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "assets" / "index-abc.js").write_text("export {};")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    with WebServer(tmp_path, "127.0.0.1", 0, LOCAL_INIT) as server:
        yield server


@pytest.mark.parametrize(
    "path", ["/", "/w/ws-1/contacts", "/assets/index-abc.js", "/favicon.svg", "/missing.js", INIT_JSON_PATH]
)
def test_the_local_server_sends_hostings_headers_with_the_emulators_allowed(local_web_server, path):
    try:
        response = urllib.request.urlopen(f"{local_web_server.url}{path}")
    except urllib.error.HTTPError as error:  # /missing.js: a 404 carries the headers too
        response = error
    with response:
        served = dict(response.headers.items())
    expected = headers_for(path, with_connect_sources(hosting_header_rules(), emulator_origins(LOCAL_INIT)))
    for name, value in expected.items():
        if name != "Cache-Control":
            assert served[name] == value, name
    assert "http://127.0.0.1:8123" in _policy(served["Content-Security-Policy"])["connect-src"]


def test_a_missing_asset_is_not_cached_for_a_year(local_web_server):
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{local_web_server.url}/assets/index-old.js")
    assert answer.value.code == 404
    assert answer.value.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("cookie_headers", "forwarded"),
    [
        (["__session=abc; other=1"], "__session=abc"),
        (["other=1", "theme=dark; __session=x=y"], "__session=x=y"),
        (["other=1; session=abc"], None),
        ([], None),
    ],
)
def test_like_hosting_the_local_server_passes_on_only_the_session_cookie(cookie_headers, forwarded):
    assert _forwarded_cookie(cookie_headers) == forwarded


def test_a_company_page_named_by_its_domain_is_a_route_of_the_app(local_web_server):
    with urllib.request.urlopen(f"{local_web_server.url}/w/ws-1/companies/vandelay.com") as response:
        assert b"<title>app</title>" in response.read()
