"""A failed Gmail connection reaches the web app as a code from a fixed list, and the app words every code."""

import re
from pathlib import Path

import pytest

from shared.errors import Conflict, InvalidInput, RetryLater
from shared.gmail.oauth import ConnectFailure

BANNER = Path(__file__).resolve().parents[2] / "web/src/components/settings/OAuthResultBanner.tsx"


def _worded_codes() -> set[str]:
    table = re.search(r"const FAILURE_REASONS[^{]*\{(?P<body>.*?)\n\};", BANNER.read_text(), re.DOTALL)
    assert table, "OAuthResultBanner.tsx lost its FAILURE_REASONS table"
    return set(re.findall(r"^\s*(\w+):", table.group("body"), re.MULTILINE))


def test_the_web_app_words_exactly_the_codes_the_callback_sends():
    assert _worded_codes() == {failure.value for failure in ConnectFailure}


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InvalidInput("this sign-in took too long", reason=ConnectFailure.LINK_EXPIRED), "link_expired"),
        (RetryLater("Google did not answer", reason=ConnectFailure.GOOGLE_UNAVAILABLE), "google_unavailable"),
        (InvalidInput("Google refused the sign-in: <img src=x onerror=alert(1)>"), "unknown"),
        (Conflict("taken", reason="<script>alert(1)</script>"), "unknown"),
    ],
)
def test_an_error_becomes_its_code_and_anything_else_unknown(error, code):
    assert ConnectFailure.of(error) == code
