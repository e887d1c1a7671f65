"""The tables of what clients write around a reply: every form says where it comes from."""

from __future__ import annotations

import pytest

from shared.mail import mail_forms
from shared.mail.quotes import is_mobile_footer, visible_reply

KINDS_EVERY_LANGUAGE_HAS = ("wrote", "from", "date", "field", "separator", "sent_from", "closing")


def test_every_form_names_a_client_with_a_source() -> None:
    assert mail_forms.unknown_clients() == []


def test_at_least_25_languages_with_every_kind() -> None:
    assert len(mail_forms.LANGUAGES) >= 25
    for language, table in mail_forms.LANGUAGES.items():
        missing = [kind for kind in KINDS_EVERY_LANGUAGE_HAS if not table.get(kind)]
        assert not missing, f"{language} lacks {missing}"


@pytest.mark.parametrize(
    "line",
    ["iPhoneから送信", "发自我的iPhone", "從我的 iPhone 傳送", "나의 iPhone에서 보냄", "iPhone-ról küldve",
     "Sendt fra min Samsung Galaxy", "Von meinem iPhone gesendet", "Enviado desde mi Galaxy S23"],
)  # fmt: skip
def test_mobile_footers_in_other_scripts_and_word_orders(line: str) -> None:
    assert is_mobile_footer(line)
    assert not is_mobile_footer("Sent from my desk, which is much nicer than a phone, as I said.")


def test_a_header_with_a_full_width_colon_ends_the_reply() -> None:
    text = "周四可以。\n\n王芳 <fang.wang@example.cn> 于2026年3月3日周二 09:15写道：\n> 这周能见面吗？"
    assert visible_reply(text) == "周四可以。"
