"""The settings refuse an OAuth callback the browser's binding cookie would never reach."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings

BASE = {
    "project_id": "p",
    "region": "us-central1",
    "functions_base_url": "https://f.example",
    "oauth_client_id": "c.apps.googleusercontent.com",
    "oauth_client_secret": "s",
    "local_token_key": "k",
}


@pytest.mark.parametrize(
    ("web_app_url", "redirect_uri", "secure"),
    [
        ("https://app.example", "https://app.example/api/oauth-callback", True),
        ("http://127.0.0.1:5000", "http://127.0.0.1:8081/oauth-callback", False),
        ("http://localhost:5000", "http://localhost:5000/api/oauth-callback", False),
    ],
)
def test_a_callback_on_the_apps_host_is_accepted(web_app_url, redirect_uri, secure):
    settings = Settings(**BASE, web_app_url=web_app_url, oauth_redirect_uri=redirect_uri)
    assert settings.cookies_secure is secure


@pytest.mark.parametrize(
    ("web_app_url", "redirect_uri"),
    [
        ("https://app.example", "https://us-central1-p.cloudfunctions.net/oauth-callback"),
        ("http://app.example", "http://app.example/api/oauth-callback"),
    ],
    ids=["callback-elsewhere", "plain-http-off-loopback"],
)
def test_a_callback_the_cookie_cannot_reach_is_refused(web_app_url, redirect_uri):
    with pytest.raises(ValidationError):
        Settings(**BASE, web_app_url=web_app_url, oauth_redirect_uri=redirect_uri)
