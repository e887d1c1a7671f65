"""Caseless patterns must match exactly as their re.IGNORECASE form does, on any text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.mail import quotes, signatures
from shared.mail.caseless import Caseless, fold

PATTERNS = {
    f"{module.__name__}.{name}": value
    for module in (quotes, signatures)
    for name, value in vars(module).items()
    if isinstance(value, Caseless)
}
WORDS = (
    quotes.WROTE_VERBS
    + quotes.FROM_LABELS
    + quotes.OTHER_LABELS
    + quotes.HISTORY_SEPARATORS
    + quotes.FORWARD_INTROS
    + quotes.SENT_FROM_FORMS
    + signatures.SIGN_OFFS
    + signatures.DISCLAIMER_WORDS
)
SAMPLES = (
    "On Mon, 2 Mar 2026 at 10:00, Ann Lee <ann@x.org> WROTE:",
    "-----Original Message-----",
    "From: Ann Lee [mailto:ann@x.org]",
    "Sent from my iPhone",
    "Best Regards, Ann",
    "Tel: +1 503 555 0101 | WWW.ACME.COM | Email: Ann@Acme.com",
    "Ext. 4412",
    "Ali YAZDI:",
    "This message is CONFIDENTIAL and intended solely for the addressee.",
)


def _span(match: re.Match[str] | None) -> object:
    return match and (match.span(), {k: match.span(k) for k in match.groupdict()})


def _spans(pattern: Caseless, text: str) -> tuple[object, object]:
    return (_span(pattern.search(text)), _span(pattern.match(text)))


def _expected(pattern: Caseless, text: str) -> tuple[object, object]:
    return (_span(pattern.ignorecase.search(text)), _span(pattern.ignorecase.match(text)))


def _variants(text: str) -> list[str]:
    # ASCII spellings too: IGNORECASE matches "ı" with "i" and "ſ" with "s".
    ascii_text = text.replace("ı", "i").replace("ſ", "s")
    return [v for t in (text, ascii_text) for v in (t, t.upper(), t.title(), t.swapcase(), f"> {t}:", f"{t} --")]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_caseless_patterns_match_like_ignorecase(name: str) -> None:
    pattern = PATTERNS[name]
    for text in [
        *SAMPLES,
        *(v for word in WORDS for v in _variants(word.replace("\\", "").replace("{device}", "iPhone"))),
    ]:
        assert _spans(pattern, text) == _expected(pattern, text), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted(set("".join(WORDS)) | set(" :-@.,İIKk\u212a"))), max_size=40))
def test_caseless_patterns_match_like_ignorecase_on_any_text(text: str) -> None:
    for pattern in PATTERNS.values():
        assert _spans(pattern, text) == _expected(pattern, text)


def test_a_caseless_pattern_is_written_in_lower_case() -> None:
    with pytest.raises(ValueError, match="lower case"):
        Caseless(r"Best|regards")
    assert Caseless(r"\bbest\s+regards\W+(?P<Name>\S+)").search("BEST REGARDS, Ann") is not None


def test_fold_lowers_ascii_text_only() -> None:
    assert fold("Ann LEE") == ("ann lee", True)
    assert fold("ÄNN") == ("ÄNN", False)
