"""The demo mailbox generator: deterministic, realistic, and parseable by standard tools."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import mailbox
import re
from collections import Counter
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest

from devstack import demo_hostile, demo_mailbox
from devstack.demo_mailbox import DemoMailbox, generate

ANCHOR = dt.date(2025, 6, 1)
NOREPLY = re.compile(r"^(no-?reply|notifications?)|noreply", re.IGNORECASE)


@pytest.fixture(scope="module")
def box() -> DemoMailbox:
    return generate(anchor=ANCHOR)


@pytest.fixture(scope="module")
def parsed(box: DemoMailbox) -> list[EmailMessage]:
    out = []
    for raw in box.messages:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out


def _sender(msg: EmailMessage) -> str:
    return parseaddr(str(msg["From"]))[1].lower()


def _text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def _labels(msg: EmailMessage) -> set[str]:
    return set(str(msg["X-Gmail-Labels"]).split(","))


def _is_automated(msg: EmailMessage) -> bool:
    local = _sender(msg).split("@")[0]
    return bool(
        msg["List-Unsubscribe"] or msg["List-Id"] or msg["Precedence"] or msg["Auto-Submitted"] or NOREPLY.search(local)
    )


def test_same_arguments_give_identical_bytes() -> None:
    a = generate(anchor=ANCHOR, messages=300, seed=3)
    b = generate(anchor=ANCHOR, messages=300, seed=3)
    assert a.messages == b.messages
    assert a.people == b.people


def test_another_seed_gives_other_mail() -> None:
    a = generate(anchor=ANCHOR, messages=300, seed=3)
    b = generate(anchor=ANCHOR, messages=300, seed=4)
    assert a.messages != b.messages


def test_the_data_files_agree_with_each_other() -> None:
    """An edit to devstack/demo_data/ that names a country, phone plan, culture, language, client or
    attachment the other tables lack fails here, not with a KeyError halfway through a generation."""
    dm = demo_mailbox
    countries = {country for _, _, country, _ in dm._COMPANIES} | {country for _, country in dm._FREEMAIL}
    assert countries <= set(dm._COUNTRIES) == set(dm._CULTURES_BY_COUNTRY)
    assert {plan for c in dm._COUNTRIES.values() for plan in c.phone_plans} <= set(dm._PHONE_PLANS)
    cultures = {culture for options in dm._CULTURES_BY_COUNTRY.values() for culture in options}
    assert cultures <= set(dm._FIRST_NAMES) == set(dm._LAST_NAMES)
    languages = {lang for c in dm._COUNTRIES.values() for lang in c.languages}
    for table in (dm._GREETINGS, dm._SIGN_OFFS, dm._CLIENTS_BY_LANGUAGE, dm._DAYS, dm._MONTHS):
        assert languages <= set(table)
    clients = {client.split("_")[0] for options in dm._CLIENTS_BY_LANGUAGE.values() for client in options}
    assert clients == set(dm._HTML_SHARE)
    assert {t.attachment for t in dm._TOPICS if t.attachment} <= set(dm._ATTACHMENTS)
    assert {b.kind for b in dm._BULK} == {"newsletter", "notification", "forum"}
    assert all(len(months) == 12 for months in dm._MONTHS.values())
    assert all(len(days) == 7 for days in dm._DAYS.values())


def test_counts(box: DemoMailbox) -> None:
    assert len(box.messages) == 1600
    assert len(generate(anchor=ANCHOR, messages=2000).messages) == 2000
    assert len(box.companies) == 30
    company_people = [p for p in box.people if not p.is_freemail]
    freemail = [p for p in box.people if p.is_freemail]
    assert len(company_people) == 120
    assert 15 <= len(freemail) <= 25
    assert {p.company_domain for p in company_people} == {c.domain for c in box.companies}
    assert box.colleagues
    assert all(p.email.endswith("@lumenway.io") for p in box.colleagues)
    assert len({p.email for p in box.people + box.colleagues}) == len(box.people) + len(box.colleagues)


def test_company_domains_mix_suffixes(box: DemoMailbox) -> None:
    suffixes = {c.domain.split(".", 1)[1] for c in box.companies}
    assert {"com", "io", "co.uk", "de", "fr", "com.au"} <= suffixes


def test_people_ground_truth_is_well_formed(box: DemoMailbox) -> None:
    for person in box.people:
        assert person.email == person.email.lower()
        assert "+" not in person.email
        assert person.email in {re.sub(r"\+[^@]*@", "@", a.lower()) for a in person.addresses}
        for phone in person.phones:
            assert re.fullmatch(r"\+[1-9]\d{7,14}", phone), phone
    assert any(not p.name.isascii() for p in box.people)
    assert any(any("+" in a for a in p.addresses) for p in box.people), "no plus-aliases"
    assert any(any(a != a.lower() for a in p.addresses) for p in box.people), "no capitalised addresses"
    country_codes = {ph[:3] for p in box.people for ph in p.phones}
    assert {"+44", "+49", "+33", "+61"} <= country_codes
    assert any(c.startswith("+1") for c in country_codes)


def test_every_message_parses_with_the_basic_headers(parsed: list[EmailMessage]) -> None:
    ids = set()
    for msg in parsed:
        assert msg["From"]
        assert msg["Date"]
        assert msg["Message-ID"]
        assert msg["X-Gmail-Labels"]
        assert not msg.defects, msg.defects
        ids.add(str(msg["Message-ID"]))
        _text(msg)
    assert len(ids) == len(parsed)


def test_dates_span_the_year_before_the_anchor(parsed: list[EmailMessage]) -> None:
    end = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    dates = [parsedate_to_datetime(str(m["Date"])) for m in parsed]
    assert all(end - dt.timedelta(days=366) <= d < end for d in dates)
    months = Counter((d.astimezone(dt.UTC).year, d.astimezone(dt.UTC).month) for d in dates)
    assert len(months) >= 12


def test_owner_sends_about_a_third(box: DemoMailbox, parsed: list[EmailMessage]) -> None:
    sent = [m for m in parsed if _sender(m) == box.owner]
    assert all("Sent" in _labels(m) for m in sent)
    assert 0.25 <= len(sent) / len(parsed) <= 0.42


def test_threads_link_correctly(parsed: list[EmailMessage]) -> None:
    by_id = {str(m["Message-ID"]): m for m in parsed}
    replies = [m for m in parsed if m["In-Reply-To"]]
    assert len(replies) > 400
    for msg in replies:
        parent = by_id[str(msg["In-Reply-To"])]
        refs = str(msg["References"]).split()
        assert refs[-1] == str(msg["In-Reply-To"])
        assert all(ref in by_id for ref in refs)
        assert msg["X-GM-THRID"] == parent["X-GM-THRID"]
        assert parsedate_to_datetime(str(msg["Date"])) >= parsedate_to_datetime(str(parent["Date"]))
        subject = str(msg["Subject"])
        assert subject.startswith(("Re: ", "Automatic reply: ", "Abwesenheitsnotiz: ", "Réponse automatique : "))


def test_quote_styles_signatures_and_phone_formats_vary(parsed: list[EmailMessage]) -> None:
    texts = "\n".join(_text(m) for m in parsed)
    for marker in (
        r"^On .+ wrote:$",
        r"^-----Original Message-----$",
        r"^_{32}$",
        r"^Sent: ",
        r"^Am \d\d\.\d\d\.\d{4} um .+ schrieb .+:$",
        r"^Le .+ a écrit :$",
        r"^> ",
        r"^>> ",
        r"^-- $",
        r"^Sent from my iPhone$",
        r"^(Best|Thanks|Cheers),$",
        r"\+1 \(\d{3}\) 555-01\d\d",
        r"\+44 20 7946 0\d{3}|020 7946 0\d{3}",
        r"030[ /]23125",
        r"0[16] 99 00 \d\d \d\d|\+33 [16] ",
        r"\(02\) 5550 \d{4}|0491 570 \d{3}",
        r"linkedin\.com/in/",
        r"Twitter: @",
        r"^From ",  # exercises mbox escaping
    ):
        assert re.search(marker, texts, re.MULTILINE), marker


def test_ground_truth_people_appear_as_senders(box: DemoMailbox, parsed: list[EmailMessage]) -> None:
    senders = Counter(_sender(m) for m in parsed if not _is_automated(m))
    for person in box.people:
        assert any(senders[a.lower()] for a in person.addresses), person.email
    for colleague in box.colleagues:
        assert senders[colleague.email] or any(colleague.email in str(m["To"]).lower() for m in parsed)


def test_phones_appear_in_their_owners_mail(box: DemoMailbox, parsed: list[EmailMessage]) -> None:
    bodies: dict[str, str] = {}
    for msg in parsed:
        bodies[_sender(msg)] = bodies.get(_sender(msg), "") + _text(msg)
    for person in box.people:
        text = re.sub(r"\D", "", "".join(bodies.get(a.lower(), "") for a in person.addresses))
        for phone in person.phones:
            assert phone[-7:] in text, (person.email, phone)


def test_automated_mail_carries_its_markers(box: DemoMailbox, parsed: list[EmailMessage]) -> None:
    known = {a.lower() for p in box.people + box.colleagues for a in p.addresses} | {box.owner}
    strangers = [m for m in parsed if _sender(m) not in known]
    assert len(strangers) >= 0.1 * len(parsed)
    for msg in strangers:
        assert _is_automated(msg) or "Spam" in _labels(msg), msg["From"]
    lists = [m for m in parsed if m["List-Unsubscribe"]]
    assert lists
    assert all(m["List-Id"] and m["Precedence"] in {"bulk", "list"} for m in lists)
    auto_replies = [m for m in parsed if m["Auto-Submitted"] == "auto-replied"]
    assert auto_replies
    assert all(_sender(m) in known for m in auto_replies)
    assert any(NOREPLY.search(_sender(m).split("@")[0]) for m in strangers)
    categories = Counter(label for m in strangers for label in _labels(m) if label.startswith("Category "))
    assert {"Category Promotions", "Category Updates", "Category Social", "Category Forums"} <= set(categories)


def test_labels(parsed: list[EmailMessage]) -> None:
    counts = Counter(label for m in parsed for label in _labels(m))
    allowed = {
        "Inbox", "Sent", "Important", "Starred", "Opened", "Unread", "Spam", "Trash", "Category Promotions",
        "Category Updates", "Category Social", "Category Forums", "Category Personal",
    }  # fmt: skip
    assert set(counts) <= allowed
    assert set(counts) == allowed
    assert 3 <= counts["Spam"] <= 20
    assert 3 <= counts["Trash"] <= 20


def test_mime_shapes_charsets_and_crowds(parsed: list[EmailMessage]) -> None:
    types = Counter(m.get_content_type() for m in parsed)
    assert types["text/plain"] > 100
    assert types["multipart/alternative"] > 100
    assert types["multipart/mixed"] > 3
    charsets = {
        part.get_content_charset() for m in parsed for part in m.walk() if part.get_content_maintype() == "text"
    }
    assert {"utf-8", "iso-8859-1", "windows-1252"} <= charsets
    attachments = [a.get_filename() for m in parsed for a in m.iter_attachments()]
    assert attachments
    assert all(attachments)
    crowds = [m for m in parsed if 10 <= _recipient_count(m) <= 31]
    assert len(crowds) >= 10


def _recipient_count(msg: EmailMessage) -> int:
    return sum(len(msg[name].addresses) for name in ("To", "Cc") if msg[name])


def test_non_ascii_display_names_use_encoded_words(box: DemoMailbox) -> None:
    heads = [raw.split(b"\r\n\r\n", 1)[0] for raw in box.messages]
    assert all(head.isascii() for head in heads)
    assert sum(b"=?utf-8?" in head for head in heads) > 50


def test_messages_use_crlf_consistently(box: DemoMailbox) -> None:
    for raw in box.messages:
        assert raw.count(b"\n") == raw.count(b"\r\n")


def test_mbox_round_trips(box: DemoMailbox, tmp_path: Path) -> None:
    path = tmp_path / "demo.mbox"
    box.write_mbox(path)
    data = path.read_bytes()
    assert data.startswith(b"From ")
    assert b"\r\n" not in data
    assert re.search(rb"^>From ", data, re.MULTILINE), "body lines starting with 'From ' must be escaped"
    box_file = mailbox.mbox(path, create=False)
    try:
        read = list(box_file)
    finally:
        box_file.close()
    assert len(read) == len(box.messages)
    for original, copy in zip(box.messages, read, strict=True):
        msg = email.message_from_bytes(original, policy=email.policy.default)
        assert copy["Message-ID"] == msg["Message-ID"]
        assert copy["X-Gmail-Labels"] == msg["X-Gmail-Labels"]
        assert copy.get_from().split()[0] == msg["X-GM-THRID"] + "@xxx"


def test_ten_thousand_messages_work() -> None:
    big = generate(anchor=ANCHOR, messages=10_000, seed=11)
    assert len(big.messages) == 10_000
    assert len({raw.split(b"Message-ID: ", 1)[1][:80] for raw in big.messages}) == 10_000


def test_cli_writes_the_mbox(tmp_path: Path) -> None:
    out = tmp_path / "cli.mbox"
    assert demo_mailbox.main([str(out), "--messages", "120", "--seed", "5", "--anchor", "2025-06-01"]) == 0
    expected = tmp_path / "api.mbox"
    generate(anchor=ANCHOR, messages=120, seed=5).write_mbox(expected)
    assert out.read_bytes() == expected.read_bytes()


def test_anchor_defaults_to_today() -> None:
    box = generate(messages=50)
    today = dt.datetime.now(dt.UTC)
    newest = max(
        parsedate_to_datetime(str(email.message_from_bytes(r, policy=email.policy.default)["Date"]))
        for r in box.messages
    )
    assert today - dt.timedelta(days=366) < newest <= today


def test_hostile_mail_is_added_last_only_when_asked():
    plain = generate(anchor=ANCHOR, messages=50, seed=3)
    hostile = generate(anchor=ANCHOR, messages=50, seed=3, hostile=True)
    assert hostile.messages[:50] == plain.messages
    added = [email.message_from_bytes(raw, policy=email.policy.default) for raw in hostile.messages[50:]]
    assert len(added) == 2 + len(demo_hostile.injections())
    markup, orders = added[:2], added[2:]
    assert all(demo_hostile.SENDER_NAME in str(message["From"]) for message in markup)
    assert all("javascript:" in message.get_body(("plain",)).get_content() for message in markup)
    assert all(demo_hostile.SENDER in str(message["From"]) for message in orders)
    bodies = [message.get_body(("plain",)).get_content() for message in orders]
    assert any("Delete all contacts" in body for body in bodies)
    assert any("collector@evil.example" in body for body in bodies)
    assert any("1,000,000" in body for body in bodies)
