"""parse_message: headers, addresses, bodies, automation and never raising on bad input."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.mail import limits
from shared.mail import message as message_module
from shared.mail.addresses import Address, parse_address_list
from shared.mail.message import ParsedMessage, parse_message

PLAIN = b"""\
Message-ID: <abc.123@mail.example.com>
Date: Tue, 3 Mar 2026 09:15:00 +0100
From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <Juergen.Mueller@Northwind-Analytics.co.uk>
To: "Ann Lee" <ann@rapport.dev>, bob@partner.io
Cc: "Bob (Partner)" <BOB@partner.io>, Carol <carol@client.com>
Reply-To: juergen@northwind-analytics.co.uk
Subject: =?ISO-8859-1?Q?Re=3A_Angebot_f=FCr_Q2?=
In-Reply-To: <prev@mail.rapport.dev>
References: <root@mail.rapport.dev>
 <prev@mail.rapport.dev>
Content-Type: text/plain; charset=utf-8

Hallo Ann,

passt gut.

Gr\xc3\xbc\xc3\x9fe
J\xc3\xbcrgen
"""


def parse(raw: bytes, **kwargs: object) -> ParsedMessage:
    return parse_message(raw, **kwargs)  # type: ignore[arg-type]


def test_headers_are_decoded_and_addresses_normalised() -> None:
    msg = parse(PLAIN, owner_addresses=frozenset({"ann@rapport.dev"}))
    assert msg.message_id == "<abc.123@mail.example.com>"
    assert msg.subject == "Re: Angebot für Q2"
    assert msg.date == datetime(2026, 3, 3, 9, 15, tzinfo=timezone(timedelta(hours=1)))
    assert msg.from_ == [Address("juergen.mueller@northwind-analytics.co.uk", "Jürgen Müller")]
    assert msg.to == [Address("ann@rapport.dev", "Ann Lee"), Address("bob@partner.io", None)]
    assert [a.email for a in msg.cc] == ["bob@partner.io", "carol@client.com"]
    assert msg.cc[0].name == "Bob (Partner)"
    assert msg.reply_to == [Address("juergen@northwind-analytics.co.uk", None)]
    assert msg.in_reply_to == "<prev@mail.rapport.dev>"
    assert msg.references == ["<root@mail.rapport.dev>", "<prev@mail.rapport.dev>"]
    assert msg.text.startswith("Hallo Ann,")
    assert "Jürgen" in msg.text
    assert msg.body_source == "plain"
    assert msg.errors == []


def test_participants_skip_owners_and_merge_roles() -> None:
    msg = parse(PLAIN, owner_addresses=frozenset({"Ann@Rapport.dev"}))
    by_email = {p.email: p for p in msg.participants}
    assert "ann@rapport.dev" not in by_email
    assert by_email["bob@partner.io"].roles == ("to", "cc")
    assert by_email["bob@partner.io"].address.name == "Bob (Partner)"  # first name seen wins
    assert by_email["juergen.mueller@northwind-analytics.co.uk"].roles == ("from",)
    assert next(iter(by_email)) == "juergen.mueller@northwind-analytics.co.uk"
    assert msg.direction == "inbound"


def test_direction_is_outbound_for_owner_aliases() -> None:
    raw = b"From: Ann <a.n.n+crm@googlemail.com>\r\nTo: x@client.com\r\n\r\nhi\r\n"
    assert parse(raw, owner_addresses=frozenset({"ann@gmail.com"})).direction == "outbound"
    assert parse(raw).direction == "inbound"


def _mail(headers: dict[str, str], body: str = "hello") -> bytes:
    lines = [f"{k}: {v}" for k, v in {"From": "Ann <ann@acme.com>", "To": "bob@client.com", **headers}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


@pytest.mark.parametrize(
    ("headers", "labels", "reason_part"),
    [
        ({"List-Unsubscribe": "<mailto:u@acme.com>"}, frozenset(), "list-unsubscribe"),
        ({"List-Id": "Dev <dev.lists.acme.com>"}, frozenset(), "list-id"),
        ({"Precedence": "bulk"}, frozenset(), "precedence"),
        ({"Precedence": "junk"}, frozenset(), "precedence"),
        ({"Auto-Submitted": "auto-replied"}, frozenset(), "auto-submitted"),
        ({"From": "Acme <no-reply@acme.com>"}, frozenset(), "machine sender"),
        ({"From": "GitHub <notifications@github.com>"}, frozenset(), "machine sender"),
        ({"From": "MAILER-DAEMON@mx.acme.com"}, frozenset(), "machine sender"),
        ({"From": "postmaster@acme.com"}, frozenset(), "machine sender"),
        ({}, frozenset({"CATEGORY_PROMOTIONS", "INBOX"}), "promotions"),
        ({}, frozenset({"CATEGORY_UPDATES"}), "updates"),
    ],
)
def test_automated_mail_is_recognised(headers: dict[str, str], labels: frozenset[str], reason_part: str) -> None:
    msg = parse(_mail(headers), gmail_labels=labels)
    assert msg.automated
    assert reason_part in (msg.automated_reason or "").lower()


@pytest.mark.parametrize(
    "headers",
    [{}, {"Auto-Submitted": "no"}, {"Precedence": "first-class"}, {"From": "Sales Team <sales@acme.com>"}],
)
def test_person_mail_is_not_automated(headers: dict[str, str]) -> None:
    msg = parse(_mail(headers), gmail_labels=frozenset({"INBOX", "CATEGORY_PERSONAL"}))
    assert not msg.automated
    assert msg.automated_reason is None


def test_machine_addresses_are_not_participants_and_role_accounts_are_flagged() -> None:
    msg = parse(_mail({"From": "noreply@acme.com", "Cc": "sales@acme.com, dana@acme.com"}))
    assert [p.email for p in msg.participants] == ["bob@client.com", "sales@acme.com", "dana@acme.com"]
    assert [p.role_account for p in msg.participants] == [False, True, False]


def test_group_mail_threshold_is_configurable() -> None:
    recipients = ", ".join(f"p{i}@client.com" for i in range(21))
    assert parse(_mail({"To": recipients})).group_mail
    assert not parse(_mail({"To": recipients}), group_threshold=30).group_mail
    assert not parse(_mail({})).group_mail


@pytest.mark.parametrize("header", ["Reply-To", "Sender", "From"])
def test_every_address_header_counts_towards_group_mail(header: str) -> None:
    crowd = ", ".join(f"p{i}@client.com" for i in range(25))
    headers = {header: crowd} if header != "From" else {"From": f"Ann <ann@acme.com>, {crowd}"}
    assert parse(_mail(headers)).group_mail


def test_a_message_with_thousands_of_addresses_is_read_bounded_as_bulk_mail() -> None:
    crowd = ", ".join(f"Crowd {i} <c{i}@bulk{i % 9}.example>" for i in range(10_000))
    msg = parse(_mail({"Reply-To": crowd}), group_threshold=1000)
    assert msg.group_mail  # beyond MAX_ADDRESSES, whatever the workspace's threshold
    assert len(msg.participants) == limits.MAX_ADDRESSES
    assert msg.participants[0].email == "ann@acme.com"  # the author is kept first


def test_sender_controlled_text_is_bounded() -> None:
    long_name = "Ann " + "x" * 5_000
    msg = parse(
        _mail(
            {
                "From": f'"{long_name}" <ann@acme.com>',
                "To": f"{'a' * 300}@client.com, bob@client.com",
                "Subject": "字" * 2_000_000,
                "Message-ID": f"<{'i' * 1_000}@acme.com>",
            }
        )
    )
    assert len(msg.subject.encode()) <= limits.MAX_SUBJECT_BYTES
    assert msg.subject == "字" * (limits.MAX_SUBJECT_BYTES // 3)
    assert msg.message_id is None  # dropped, not cut into another message's id
    assert [a.email for a in msg.to] == ["bob@client.com"]  # longer than any address can be
    author = msg.author
    assert author is not None
    assert author.name is not None
    assert len(author.name) == limits.MAX_NAME_CHARS


def test_html_only_mail_is_converted_to_text() -> None:
    message = EmailMessage()
    message["From"] = "ann@acme.com"
    message.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>Hi&nbsp;Bob,</p><div>Deal&amp;done.</div>"
        "<blockquote><p>old text</p></blockquote></body></html>",
        subtype="html",
    )
    msg = parse(message.as_bytes())
    assert msg.body_source == "html"
    assert [line for line in msg.text.splitlines() if line][:2] == ["Hi Bob,", "Deal&done."]
    assert "> old text" in msg.text
    assert "color" not in msg.text


def test_html_line_breaks_keep_paragraphs_apart() -> None:
    message = EmailMessage()
    message["From"] = "ann@acme.com"
    message.set_content("<div>Thanks,<br>Ann<br><br>Ann Lee<br/>CEO, Acme</div>", subtype="html")
    assert parse(message.as_bytes()).text == "Thanks,\nAnn\n\nAnn Lee\nCEO, Acme"


def test_plain_part_is_preferred_and_attachments_ignored() -> None:
    message = EmailMessage()
    message["From"] = "ann@acme.com"
    message.set_content("plain body")
    message.add_alternative("<p>html body</p>", subtype="html")
    message.add_attachment(b"%PDF-1.4 binary", maintype="application", subtype="pdf", filename="a.pdf")
    message.add_attachment("attached text", filename="notes.txt")
    msg = parse(message.as_bytes())
    assert msg.text.strip() == "plain body"


def test_unknown_charset_and_broken_base64_do_not_lose_the_message() -> None:
    raw = (
        b"From: ann@acme.com\r\nSubject: =?x-nonsense?B?!!!?=\r\nDate: not a date\r\n"
        b"Content-Type: text/plain; charset=x-klingon\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gd29ybGQ=@@@\r\n"
    )
    msg = parse(raw)
    assert msg.from_[0].email == "ann@acme.com"
    assert msg.date is None
    assert any("Date" in e for e in msg.errors)
    assert "Hello" in msg.text


def test_raw_8bit_headers_and_latin1_bodies_are_read() -> None:
    raw = "From: Zoë Ångström <zoe@acme.se>\r\nSubject: Möte\r\n\r\n".encode() + "Hej då".encode("latin-1")
    msg = parse(raw)
    assert msg.from_[0].name == "Zoë Ångström"
    assert msg.subject == "Möte"
    assert msg.text == "Hej då"


def test_date_without_zone_is_utc_and_trailing_comment_is_ignored() -> None:
    assert parse(_mail({"Date": "Mon, 5 Jan 2026 10:00:00 -0000"})).date == datetime(2026, 1, 5, 10, tzinfo=UTC)
    dated = parse(_mail({"Date": "Mon, 5 Jan 2026 10:00:00 +0100 (CET)"})).date
    assert dated is not None
    assert dated.utcoffset() == timedelta(hours=1)


def test_nonsense_addresses_are_dropped() -> None:
    msg = parse(_mail({"To": 'undisclosed-recipients:;, "Weird <<>>" <not-an-address>, ok@client.com'}))
    assert [a.email for a in msg.to] == ["ok@client.com"]


def test_huge_message_is_parsed_within_limits() -> None:
    body = "line of text\n" * 400_000  # ~5 MB
    msg = parse(_mail({}, body))
    assert msg.text.startswith("line of text")
    assert any("truncated" in e for e in msg.errors)


def test_non_bytes_and_empty_input() -> None:
    assert parse(b"").from_ == []
    assert parse("From: a@b.com\n\nhi").from_[0].email == "a@b.com"  # type: ignore[arg-type]


def test_address_lists_read_again_are_equal_and_separate() -> None:
    first = parse_address_list(["Ann Lee <Ann@Acme.com>, bob@client.com"])
    first.append(Address("x@y.com"))
    assert parse_address_list(["Ann Lee <Ann@Acme.com>, bob@client.com"]) == [
        Address("ann@acme.com", "Ann Lee"),
        Address("bob@client.com"),
    ]
    many = [", ".join(f"p{i}@acme.com" for i in range(100))]  # too long to be kept
    assert [a.email for a in parse_address_list(many)] == [f"p{i}@acme.com" for i in range(100)]


# ---- single-part messages: read without the feed parser, read the same ---------------------

HEAD = b"From: Zo\xc3\xab <zoe@acme.se>\r\nTo: bob@client.com\r\nSubject: =?utf-8?q?M=C3=B6te?=\r\n"
SINGLE_PART = {
    "base64 utf-8": (
        HEAD + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"R3LDvMOfZSwK\r\nSsO8cmdlbg==\r\n",
        "Grüße,\nJürgen",
    ),
    "base64 without padding": (
        HEAD + b"Content-Type: text/plain\r\nContent-Transfer-Encoding: BASE64\r\n\r\nSGVsbG8gd29ybGQ",
        "Hello world",
    ),
    "quoted-printable latin-1": (
        HEAD + b'Content-Type: text/plain; charset="iso-8859-1"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
        b"\r\nGr=FC=DFe aus K=F6ln, mit einer sehr langen Zeile, die umbrochen=\r\n wird.\r\n",
        "Grüße aus Köln, mit einer sehr langen Zeile, die umbrochen wird.\r\n",
    ),
    "8bit utf-8": (HEAD + b"Content-Type: text/plain; charset=utf-8\r\n\r\nHej d\xc3\xa5\r\n", "Hej då\r\n"),
    "8bit latin-1 undeclared": (HEAD + b"\r\nHej d\xe5", "Hej då"),
    "unknown charset": (HEAD + b"Content-Type: text/plain; charset=x-klingon\r\n\r\nQapla\xe2\x80\x99", "Qapla’"),
    "html only": (HEAD + b"Content-Type: text/html\r\n\r\n<p>Hi <b>Ann</b></p>", None),
    "folded headers, LF": (
        b"From: Ann\n <ann@acme.com>\nSubject: a\n\tlong one\nReferences: <a@b>\n <c@d>\n\nbody\n",
        "body\n",
    ),
    "CR line ends": (b"From: ann@acme.com\rSubject: hi\r\rbody\rline two", "body\rline two"),
    "empty body": (b"From: ann@acme.com\r\n\r\n", ""),
    "header name with odd characters": (b"From: ann@acme.com\r\nX-Odd_Name!: 1\r\n\r\nok", "ok"),
}
# Read by the full parser: several parts, attached messages, headers the parser flags as defects.
FULL_PARSE = {
    "multipart": _mail({"Content-Type": "multipart/alternative; boundary=b"}, "--b\r\n\r\nhi\r\n--b--"),
    "attached message": _mail({"Content-Type": "message/rfc822"}, "From: x@y.com\r\n\r\ninner"),
    "no empty line": b"From: ann@acme.com\r\nSubject: hi\r\n",
    "body without empty line": b"From: ann@acme.com\r\nnot a header\r\n\r\nbody",
    "first line folded": b" folded\r\nFrom: ann@acme.com\r\n\r\nbody",
    "unix from line": b"From ann@acme.com Mon Jan  5 10:00:00 2026\r\nFrom: ann@acme.com\r\n\r\nbody",
    "empty header name": b"From: ann@acme.com\r\n: nameless\r\n\r\nbody",
    "starts with an empty line": b"\r\nbody\r\n\r\nmore",
}


def _as_full_parser_reads(raw: bytes) -> Message:
    return message_module._PARSER.parsebytes(raw)


def _same_message(fast: Message, full: Message) -> None:
    assert fast.defects == full.defects == []  # before decoding, which may add some
    assert list(fast.raw_items()) == list(full.raw_items())
    assert fast.get_unixfrom() == full.get_unixfrom()
    assert fast.get_payload() == full.get_payload()
    assert fast.get_payload(decode=True) == full.get_payload(decode=True)
    assert [type(d) for d in fast.defects] == [type(d) for d in full.defects]


@pytest.mark.parametrize("case", sorted(SINGLE_PART))
def test_single_part_messages_skip_the_feed_parser_and_read_the_same(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, text = SINGLE_PART[case]
    fast = message_module._read_single_part(raw)
    assert fast is not None  # the fast path took it
    _same_message(fast, _as_full_parser_reads(raw))
    parsed = parse(raw)
    if text is not None:
        assert parsed.text == text.replace("\r\n", "\n").replace("\r", "\n")
    monkeypatch.setattr(message_module, "_read_single_part", lambda raw: None)
    assert parse(raw) == parsed


@pytest.mark.parametrize("case", sorted(FULL_PARSE))
def test_other_messages_go_to_the_full_parser(case: str) -> None:
    assert message_module._read_single_part(FULL_PARSE[case]) is None


# ---- fuzzing ----------------------------------------------------------------------------

CORPUS_EML = sorted((Path(__file__).resolve().parents[3] / "shared/corpora/signatures").glob("**/*.eml"))
SEEDS = [PLAIN, _mail({"List-Id": "x"}, "body")] + [p.read_bytes() for p in CORPUS_EML]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_parse_never_raises_on_random_bytes(raw: bytes) -> None:
    assert isinstance(parse(raw), ParsedMessage)


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 12))):
        operation = draw(st.sampled_from(["flip", "insert", "delete", "duplicate"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if operation == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif operation == "insert":
            snippet = draw(
                st.sampled_from(
                    [b"=?", b"?=", b"=?utf-8?B?", b"\r\n", b"<", b">", b'"', b"\x00", b"\xff\xfe", b"--",
                     b"Content-Type: multipart/mixed; boundary=x\r\n", b"charset=bogus", b"\r\n\r\n", b"@"]
                )
            )  # fmt: skip
            data[position:position] = snippet
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            data[position:position] = data[position : position + draw(st.integers(1, 256))]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages())
def test_parse_never_raises_on_mutated_real_messages(raw: bytes) -> None:
    msg = parse(raw, owner_addresses=frozenset({"bob@example.com"}), gmail_labels=frozenset({"INBOX"}))
    assert isinstance(msg.errors, list)
    assert all(a.email == a.email.lower() for a in msg.from_ + msg.to + msg.cc)


# Header lines a message may carry, well-formed or not.
HEADER_LINES = [
    b"From: Ann <ann@acme.com>", b"To: bob@client.com", b"Subject: hi", b"  folded", b"\tfolded",
    b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Transfer-Encoding: 8bit", b"Content-Type: text/plain; charset=utf-8",
    b"Content-Type: text/html; charset=latin-1", b"Content-Type: text/plain; charset=bogus",
    b"Content-Type: multipart/mixed; boundary=x", b"Content-Type: message/rfc822", b"X-8bit: \xe9\xff",
]  # fmt: skip


@st.composite
def built_messages(draw: st.DrawFn) -> bytes:
    """Headers and bodies of any encoding and line end, with bytes of any value in both."""
    any_value = st.binary(max_size=30).map(lambda value: b"X-Any: " + value)
    header_lines = draw(st.lists(st.one_of(st.sampled_from(HEADER_LINES), any_value), max_size=8))
    line_end = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
    body = draw(st.one_of(st.binary(max_size=200), st.sampled_from([b"R3LDvMOfZQ==", b"Gr=FC=DFe=\r\n x", b"--x\r\n"])))
    return line_end.join([b"Date: Mon, 5 Jan 2026 10:00:00 +0000", *header_lines]) + line_end * 2 + body


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated_messages(), built_messages(), st.sampled_from([raw for raw, _ in SINGLE_PART.values()])))
def test_single_part_reading_equals_the_full_parser_on_mutated_messages(raw: bytes) -> None:
    fast = message_module._read_single_part(raw)
    if fast is not None:
        _same_message(fast, _as_full_parser_reads(raw))


def _read_date(read: Callable[[str], datetime], text: str) -> object:
    try:
        parsed = read(text)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        return type(exc)
    return parsed, parsed.utcoffset()


# Edge cases around the form read directly: no zone, odd zones, impossible times, other forms.
ODD_DATES = [
    "Mon, 2 Mar 2026 10:00:00 -0000", "2 Mar 2026 10:00:00 +0000", "Tue, 31 Feb 2026 10:00:00 +0100",
    "Mon, 2 Mar 2026 24:00:00 +0100", "Mon, 2 Mar 2026 10:00:60 +0100", "Mon, 2 Mar 2026 10:00:00 +9959",
    "Mon, 2 Mar 2026 10:00:00 +0160", "Mon, 2 Mar 2026 10:00:00 -1230", "Mon, 2 mar 2026 10:00:00 +0100",
    "Mon,2 Mar 2026 10:00:00 +0100", "Mon, 2 Mar 26 10:00:00 +0100", "Mon, 2 Mar 2026 10:00 GMT",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.from_regex(message_module._PLAIN_DATE, fullmatch=True), st.sampled_from(ODD_DATES)))
def test_dates_read_directly_equal_the_stdlib_reading(text: str) -> None:
    assert _read_date(message_module._date_of, text) == _read_date(parsedate_to_datetime, text)


def test_the_header_end_is_found_where_the_full_pattern_finds_it() -> None:
    # Every text of up to eight line-end and other bytes: the same first blank line, or none.
    for length in range(9):
        for pieces in itertools.product((b"\r", b"\n", b"a"), repeat=length):
            text = b"".join(pieces)
            full = message_module._HEADER_END.search(text)
            found = message_module._header_end(text)
            assert (found and found.span()) == (full and full.span()), text


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "MULTIPART/mixed; boundary=x", " message/rfc822 ", "text", "a/b/c", "",
     "multipart/alternative;\r\n b=1", ";", "text/html; charset=\"utf-8\"", "multipart\udcc3\udca9/mixed"],
)  # fmt: skip
def test_the_main_type_is_read_as_the_stdlib_reads_it(content_type: str | None) -> None:
    message = Message()
    message.set_raw("Subject", "x")
    if content_type is not None:
        message.set_raw("Content-Type", content_type)
    assert message_module._main_type(message, content_type) == message.get_content_maintype()
