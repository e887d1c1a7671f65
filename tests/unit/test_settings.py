"""The settings refuse an OAuth callback the browser's binding cookie would never reach."""

from __future__ import annotations

import os

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


def test_settings_come_from_the_rapport_variables_and_values_passed_in_win(monkeypatch):
    for name in [name for name in os.environ if name.upper().startswith("RAPPORT_")]:
        monkeypatch.delenv(name)
    for name, value in BASE.items():
        monkeypatch.setenv(f"RAPPORT_{name.upper()}", value)
    monkeypatch.setenv("RAPPORT_WEB_APP_URL", "https://app.example")
    monkeypatch.setenv("rapport_oauth_redirect_uri", "https://app.example/api/oauth-callback")  # any case
    monkeypatch.setenv("RAPPORT_SYNC_EXCLUDED_LABELS", '["SPAM", "TRASH"]')  # a structured value is JSON
    monkeypatch.setenv("RAPPORT_GMAIL_BATCH_SIZE", "20")

    settings = Settings(region="europe-west1")

    assert (settings.project_id, settings.region, settings.gmail_batch_size) == ("p", "europe-west1", 20)
    assert settings.oauth_redirect_uri == "https://app.example/api/oauth-callback"
    assert settings.sync_excluded_labels == ("SPAM", "TRASH")
    assert settings.oauth_client_secret is not None
    assert settings.oauth_client_secret.get_secret_value() == "s"
    monkeypatch.setenv("RAPPORT_GMAIL_BATCH_SIZE", "500")
    with pytest.raises(ValidationError):
        Settings()
