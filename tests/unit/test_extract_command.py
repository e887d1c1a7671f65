"""`./rapport extract` and the `extract` function behind it."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.cli import main
from shared.mail.extract import extract, person_name

MESSAGE = b"""\
Message-ID: <m1@acme.io>
From: "Doe, Jane" <Jane.Doe@acme.io>
To: Mark <mark@rapport.dev>, sales@acme.io
Cc: Dana Lee <dana@client.com>
Subject: Re: pricing
Content-Type: text/plain; charset=utf-8

Sounds good, see you Thursday.

Best,
Jane

Jane Doe | VP Sales, Acme Inc.
+1 (415) 555-0134
https://acme.io

On Tue, 3 Mar 2026 at 09:15, Mark <mark@rapport.dev> wrote:
> Does Thursday work?
"""

EXPECTED_KEYS = {
    "file", "message_id", "from", "to", "cc", "automated", "automated_reason", "reply_text", "reply_context",
    "signature", "contacts",
}  # fmt: skip
CONTACT_KEYS = {"email", "name", "title", "company", "phones", "urls", "linkedin", "twitter", "address"}


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    code = main(["extract", *args])
    lines = capsys.readouterr().out.splitlines()
    return code, [json.loads(line) for line in lines]


def test_one_json_line_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.eml", tmp_path / "b.eml"
    first.write_bytes(MESSAGE)
    second.write_bytes(b"From: news@shop.example\r\nList-Unsubscribe: <mailto:u@shop.example>\r\n\r\nSale!\r\n")
    code, results = run_cli([str(first), str(second), "--owner", "mark@rapport.dev"], capsys)
    assert code == 0
    assert [r["file"] for r in results] == [str(first), str(second)]
    jane, newsletter = results
    assert set(jane) == EXPECTED_KEYS
    assert jane["message_id"] == "<m1@acme.io>"
    assert jane["from"] == {"email": "jane.doe@acme.io", "name": "Doe, Jane"}
    assert jane["reply_text"] == (
        "Sounds good, see you Thursday.\n\nBest,\nJane\n\nJane Doe | VP Sales, Acme Inc.\n+1 (415) 555-0134\n"
        "https://acme.io"
    )
    assert jane["signature"] == "Best,\nJane\n\nJane Doe | VP Sales, Acme Inc.\n+1 (415) 555-0134\nhttps://acme.io"
    contacts = {c["email"]: c for c in jane["contacts"]}  # type: ignore[union-attr]
    assert set(contacts) == {"jane.doe@acme.io", "dana@client.com"}  # no owner, no sales@ role address
    assert all(set(c) == CONTACT_KEYS for c in contacts.values())
    assert contacts["jane.doe@acme.io"] == {
        "email": "jane.doe@acme.io",
        "name": "Jane Doe",
        "title": "VP Sales",
        "company": "Acme Inc.",
        "phones": ["+14155550134"],
        "urls": ["https://acme.io"],
        "linkedin": None,
        "twitter": None,
        "address": None,
    }
    assert contacts["dana@client.com"]["company"] == "Client"
    assert newsletter["automated"] is True
    assert "list-unsubscribe" in newsletter["automated_reason"]  # type: ignore[operator]
    assert newsletter["contacts"] == []


def test_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MESSAGE)))
    code, results = run_cli([], capsys)
    assert code == 0
    assert results[0]["file"] is None
    assert results[0]["message_id"] == "<m1@acme.io>"


def test_unreadable_file_is_reported_and_the_rest_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.eml"
    good.write_bytes(MESSAGE)
    code, results = run_cli([str(tmp_path / "missing.eml"), str(good)], capsys)
    assert code == 1
    assert "error" in results[0]
    assert results[1]["message_id"] == "<m1@acme.io>"


def test_garbage_input_still_gives_a_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.eml"
    junk.write_bytes(bytes(range(256)) * 50)
    code, results = run_cli([str(junk)], capsys)
    assert code == 0
    assert set(results[0]) == EXPECTED_KEYS


def test_group_mail_keeps_only_the_author_as_contact() -> None:
    recipients = ", ".join(f"p{i}@client.com" for i in range(25))
    raw = f"From: Ann <ann@acme.com>\r\nTo: {recipients}\r\n\r\nAll hands on Friday.\r\n".encode()
    result = extract(raw)
    assert result.message.group_mail
    assert [c.email for c in result.contacts] == ["ann@acme.com"]


@pytest.mark.parametrize(
    ("shown", "name"),
    [("Doe, Jane", "Jane Doe"), ("Jane Doe", "Jane Doe"), ('"Jane"', "Jane"), ("jane@acme.io", None), ("", None)],
)
def test_person_name(shown: str, name: str | None) -> None:
    assert person_name(shown) == name


BODY_PIECES = [
    "Thanks,\nAnn",
    "-- \nAnn Lee\nCEO, Acme Inc.\n+1 415 555 0134",
    "On Tue, 3 Mar 2026, Bob <bob@x.org> wrote:\n> hi",
    "From: Bob\nSent: Tuesday\nTo: Ann",
    "> quoted\n>> deeper",
    "Sent from my iPhone",
    "________________",
    "x" * 300,
    "\u2028\x85\x00\ufeff",
    "www.acme.com | @ann | linkedin.com/in/ann",
    "Mit freundlichen Grüßen\n\nJürgen",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(BODY_PIECES), st.text(max_size=80)), max_size=12))
def test_extract_never_raises_on_odd_bodies(pieces: list[str]) -> None:
    body = "\n".join(pieces)
    raw = ("From: Ann Lee <ann@acme.com>\r\nTo: bob@x.org\r\n\r\n" + body).encode("utf-8", "surrogatepass")
    result = extract(raw)
    assert result.errors == [] or all(isinstance(e, str) for e in result.errors)
    assert isinstance(result.to_dict(), dict)


def test_html_only_gmail_reply() -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Anna Schmidt <anna@northwind-analytics.co.uk>"
    message["To"] = "bob@rapport.dev"
    message.set_content(
        '<div dir="ltr">Sounds good, Thursday it is.<div><br></div><div>Best,</div><div>Anna</div><div><br></div>'
        "<div>--</div><div>Anna Schmidt<br>Head of Partnerships | Northwind Analytics<br>+44 20 7946 0958</div></div>"
        '<div class="gmail_quote">On Tue, 3 Mar 2026 at 09:15, Bob &lt;bob@rapport.dev&gt; wrote:<br>'
        '<blockquote class="gmail_quote">Could we meet Thursday?<br>Bob</blockquote></div>',
        subtype="html",
    )
    result = extract(message.as_bytes(), owner_addresses=frozenset({"bob@rapport.dev"}))
    assert result.reply_text == "Sounds good, Thursday it is.\n\nBest,\nAnna"
    assert result.signature is not None
    assert result.signature.non_empty_lines()[-1] == "+44 20 7946 0958"
    [anna] = result.contacts
    assert (anna.title, anna.company, anna.phones) == (
        "Head of Partnerships",
        "Northwind Analytics",
        ("+442079460958",),
    )
