"""visible_reply on hand-written replies in many languages and client styles."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.mail import quotes
from shared.mail.quotes import strip_quoted_history, visible_reply

REPLY = "Thursday works.\n\nThanks,\nMark"


@pytest.mark.parametrize(
    "history",
    [
        "On Tue, 3 Mar 2026 at 09:15, Ann Lee <ann@rapport.dev> wrote:\n> Could we meet?",
        "On Tue, Mar 3, 2026 at 9:15 AM Ann Lee <\nann@rapport.dev> wrote:\n\n> Could we meet?",
        "Am 03.03.2026 um 09:15 schrieb Ann Lee <ann@rapport.dev>:\n> Können wir uns treffen?",
        "Le mar. 3 mars 2026 à 09:15, Ann Lee <ann@rapport.dev> a écrit :\n> Pouvons-nous ?",
        "Il giorno mar 3 mar 2026 alle ore 09:15 Ann Lee <ann@rapport.dev> ha scritto:\n> Possiamo?",
        "El mar, 3 mar 2026 a las 9:15, Ann Lee (<ann@rapport.dev>) escribió:\n> ¿Podemos?",
        "Em ter., 3 de mar. de 2026 às 09:15, Ann Lee <ann@rapport.dev> escreveu:\n> Podemos?",
        "Op di 3 mrt 2026 om 09:15 schreef Ann Lee <ann@rapport.dev>:\n> Kunnen we?",
        "Den tir. 3. mar. 2026 kl. 09.15 skrev Ann Lee <ann@rapport.dev>:\n> Kan vi?",
        "tis 3 mars 2026 kl 09:15 skrev Ann Lee <ann@rapport.dev>:\n> Kan vi ses?",
        "ti 3. maalisk. 2026 klo 9.15 Ann Lee (ann@rapport.dev) kirjoitti:\n> Voimmeko?",
        "wt., 3 mar 2026 o 09:15 Ann Lee <ann@rapport.dev> napisał(a):\n> Czy możemy?",
        "вт, 3 мар. 2026 г. в 09:15, Ann Lee <ann@rapport.dev>:\n> Можем?",
        "2026-03-03 9:15 GMT+01:00 Ann Lee <ann@rapport.dev>:\n\nCould we meet?",
        "---- On Tue, 03 Mar 2026 09:15:00 +0100 ann@rapport.dev wrote ----\n\nCould we meet?",
        "-----Original Message-----\nFrom: Ann Lee [mailto:ann@rapport.dev]\nSent: Tuesday, March 3, 2026 9:15 AM",
        "-----Ursprüngliche Nachricht-----\nVon: Ann Lee\nGesendet: Dienstag, 3. März 2026 09:15\nAn: Mark",
        "________________________________\nFrom: Ann Lee <ann@rapport.dev>\nSent: Tuesday\nTo: Mark\n\nOld text",
        "From: Ann Lee <ann@rapport.dev>\nSent: Tuesday, March 3, 2026 9:15 AM\nTo: Mark\nSubject: RE: Thursday",
        "*From:* Ann Lee [mailto:ann@rapport.dev]\n*Sent:* Tuesday\n*To:* Mark\n*Subject:* Thursday",
        "Von: Ann Lee <ann@rapport.dev>\nGesendet: Dienstag, 3. März 2026 09:15\nAn: Mark\nBetreff: Termin",
        "De : Ann Lee <ann@rapport.dev>\nEnvoyé le : mardi 3 mars 2026 09:15\nÀ : Mark\nObjet : Jeudi",
        "Van: Ann Lee <ann@rapport.dev>\nVerzonden: dinsdag 3 maart 2026 09:15\nAan: Mark\nOnderwerp: Donderdag",
        "---------- Forwarded message ---------\nFrom: Ann Lee <ann@rapport.dev>\nDate: Tue, Mar 3, 2026",
        "Begin forwarded message:\n\nFrom: Ann Lee <ann@rapport.dev>\nSubject: Thursday",
        "> Could we meet?\n> On Monday, someone wrote:\n>> earlier",
        "On 3-Mar-2026, at 9:15 AM, Ann Lee <ann@rapport.dev> sent:\n\n> Could we meet?",
        "2026/3/3 Ann Lee <ann@rapport.dev>\n\n> Could we meet?",
        "Ann Lee <ann@rapport.dev> schrieb am Di., 3.\nMärz 2026, 09:15:\n\n> Können wir?",
        "Op 3-mrt.-2026, om 09:15 heeft Ann Lee <ann@rapport.dev> het volgende geschreven:\n\nKunnen we?",
        "-------- Oprindelig besked --------\nFra: Ann Lee <ann@rapport.dev>\nDato: 03.03.2026 09.15",
        "-------- Alkuperäinen viesti --------\nLähettäjä: Ann Lee\nPäivämäärä: 3.3.2026",
        "------ Any banner at all ------\nFrom: Ann Lee <ann@rapport.dev>\nDate: 3 March 2026",
        "-----Reply Message-----\n\nCould we meet?",
        "Date: Tue, 3 Mar 2026 09:15:00 +0100\nTo: mark@acme.com\n\nCould we meet?",
        "------On 03/03/2026 09:15 AM, Ann Lee wrote-----\n\nCould we meet?",
    ],
)
def test_quoted_history_is_removed(history: str) -> None:
    assert visible_reply(f"{REPLY}\n\n{history}\n") == REPLY


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nMark Smith\nCTO, Acme",
        "--\nMark Smith",
        "__________\nAcme Inc. | acme.com",
        "Sent from my iPhone",
        "Sent from my Verizon Wireless BlackBerry",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Download Outlook for Android<https://aka.ms/ghei36>",
        "Von meinem iPhone gesendet",
        "Gesendet von meinem iPad",
        "Envoyé de mon iPhone",
        "Inviato da iPhone",
        "Enviado desde mi iPhone",
        "Verzonden vanaf mijn iPhone",
        "Skickat från min iPhone",
        "Sendt fra min iPhone",
        "Lähetetty iPhonesta",
        "Wysłane z mojego iPhone'a",
        "Отправлено с iPhone",
    ],
)
def test_signature_after_a_delimiter_or_mobile_line_is_removed(signature: str) -> None:
    assert visible_reply(f"{REPLY}\n\n{signature}\n") == REPLY


def test_plain_sign_off_and_signature_without_delimiter_stay() -> None:
    text = "Deal.\n\nBest regards,\nMark Smith\nCTO, Acme Inc.\n+1 212 555 0188"
    assert visible_reply(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "On the whole, I agree.\nOn Monday we ship.",
        "Sent from my desk, which is much nicer than a phone.",
        "The data comes from: our warehouse, not From: the API.",
        "Timeline:\n2026-03-03 09:15\n03.03.2026 09:15",
        "Read https://example.com/on-monday-he-wrote-about-it for details.",
        "Here is a table:\n-----\nA | B\n-----\nC | D",
        "Note the --verbose flag and the __init__ file.",
    ],
)
def test_ordinary_text_that_looks_like_history_is_kept(text: str) -> None:
    assert visible_reply(text) == text


def test_reply_below_the_quote_is_found() -> None:
    text = "On Tue, 3 Mar 2026, Ann Lee <ann@rapport.dev> wrote:\n> Could we meet?\n\nYes, Thursday."
    assert visible_reply(text) == "Yes, Thursday."


def test_inline_answers_keep_their_order_without_the_quoted_questions() -> None:
    text = (
        "See inline.\n\nOn Tue, 3 Mar 2026, Ann <ann@rapport.dev> wrote:\n> Thursday?\n\nYes.\n\n> Who joins?\n\nDana."
    )
    assert visible_reply(text) == "See inline.\n\nYes.\n\nDana."


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        # Bottom-posting under a header and quoted lines, as on mailing lists.
        ("On Tue, 3 Mar 2026, Ann <ann@rapport.dev> wrote:\n> Thursday?\n> Or Friday?\nThursday.", "Thursday."),
        # Inline answers with no header at all.
        ("> Thursday?\n\nYes.\n\n> Who joins?\nDana and Lee.", "Yes.\n\nDana and Lee."),
        # Supercite-style initials before the ">".
        ("Agreed.\n\nAL> Thursday?\nAL> Or Friday?", "Agreed."),
        # A forward with nothing above it: the forwarded text is what was sent.
        (
            "---------- Forwarded message ---------\nFrom: Ann Lee <ann@rapport.dev>\nDate: Tue, Mar 3, 2026\n"
            "Subject: A subject long enough\nto wrap\nTo: Mark <mark@acme.com>\n\n\nThe contract is attached.",
            "The contract is attached.",
        ),
        # A pasted header block in the sender's language, the text under it.
        (
            "Von: Ann Lee <ann@rapport.dev>\nGesendet: Dienstag, 3. März 2026 09:15\nAn: Mark\nBetreff: Termin\n\n"
            "Donnerstag passt.",
            "Donnerstag passt.",
        ),
        # An attribution spread over lines, blank ones and a stray ">" included.
        (
            "Yes.\n\nOn Thu, 31 Mar 2016 at 11:16 Ann Lee\n\n<\nmailto:Ann Lee <ann@rapport.dev>\n> wrote:\n\nOld",
            "Yes.",
        ),
        # Gmail's dated attribution that lost its address.
        ("Yes.\n\n2016-03-03 17:21 GMT+01:00 Ann Lee\n\nOld text", "Yes."),
        # A dated header above "|"-quoted lines.
        ("Yes.\n\n2013/7/20 Ann Lee <ann@rapport.dev>\n\n| Old text\n| more", "Yes."),
        # An attribution with no date or address (Thunderbird's short form), above quoted lines.
        ("Yes.\n\nOn Tuesday, Ann Lee wrote:\n\n> Could we meet?", "Yes."),
        # An Outlook header block flattened onto one line.
        (
            "Yes.\n\nFrom: Ann Lee <ann@x.org> Sent: Tuesday, March 3, 2026 9:15 AM To: Mark <m@y.org> Subject: Hi"
            "\n\nCould we meet?",
            "Yes.",
        ),
        # A one-line answer between quoted lines is the reply, not a quoted line's wrapped tail.
        ("> Thursday?\nYes, Thursday.\n> Who joins?", "Yes, Thursday."),
        # A forward in a script with full-width colons.
        ("以下为转发的邮件：\n\n发件人: 王芳 <fang.wang@example.cn>\n主题: 会议\n\n周四可以。", "周四可以。"),
        # Rules and a tracking mark under the reply are not text.
        ("Yes.\n\n\u1427\n####\n++++++", "Yes."),
    ],
)
def test_the_authors_text_is_found_wherever_it_stands(text: str, reply: str) -> None:
    assert visible_reply(text) == reply


def test_wrapped_quote_lines_are_not_mistaken_for_new_text() -> None:
    text = "Agreed.\n\nOn Tue, 3 Mar 2026, Ann <ann@rapport.dev> wrote:\n> a long quoted line that\nwrapped here\n>"
    assert visible_reply(text) == "Agreed."


def test_strip_quoted_history_keeps_the_signature() -> None:
    text = f"{REPLY}\n\n-- \nMark Smith\n\nOn Tue, 3 Mar 2026, Ann <ann@rapport.dev> wrote:\n> hi"
    assert strip_quoted_history(text) == f"{REPLY}\n\n--\nMark Smith"


def test_windows_line_endings_and_empty_input() -> None:
    assert visible_reply("Yes.\r\n\r\nOn Tue, 3 Mar 2026, Ann <a@b.co> wrote:\r\n> q\r\n") == "Yes."
    assert visible_reply("") == ""


def test_pathological_input_stays_fast() -> None:
    import time

    text = ("On Thursday:\n\n" + "word " * 200 + "\n\n") * 200 + ">" * 200_000 + "\n" + " " * 100_000 + "x"
    started = time.perf_counter()
    visible_reply(text)
    assert time.perf_counter() - started < 1.0


def test_a_line_right_above_a_header_is_not_taken_into_it() -> None:
    text = "Call me.\nAnn Lee\n+44 20 7946 0958\nOn Tue, 3 Mar 2026 at 09:15, Bob <bob@x.org> wrote:\n> Thursday?"
    assert visible_reply(text) == "Call me.\nAnn Lee\n+44 20 7946 0958"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab.+'-_@ :>\n1"), max_size=60))
def test_the_email_pattern_finds_the_first_address_as_the_plain_pattern_does(text: str) -> None:
    plain = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
    found, expected = quotes._EMAIL_RE.search(text), plain.search(text)
    assert (found and found.span()) == (expected and expected.span())


HEADER_PIECES = [
    *quotes.WROTE_VERBS, "On Tue, 3 Mar 2026 at 09:15", "Ann <ann@x.org>", "sent", "Sent", " ", "  ", ":", " :",
    "--", "---", "-", "\t", "WROTE", "YAZDI", "Schrieb", "présent", "1:05", "12.30", "a1:05", "x@y.z", "\n",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(HEADER_PIECES), max_size=6).map("".join),
        st.sampled_from(["Ann sent: ", "Ann sent:\n", "Ann sent:\n\n", "Ann wrote: \n ", "Ann wrote -- ", "présent:"]),
    )
)
def test_header_endings_read_backwards_match_the_patterns_written_forwards(text: str) -> None:
    verbs = "|".join(
        sorted((re.escape(w.lower()).replace(r"\ ", r"\s+") for w in quotes.WROTE_VERBS), key=len, reverse=True)
    )
    wrote_end = re.compile(rf"(?:{verbs})\s*(?::|-{{2,}})\s*$", re.IGNORECASE)
    sent_end = re.compile(r"(?<!\w)sent\s*:$", re.IGNORECASE)
    time_of_day = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
    assert bool(quotes._WROTE_END_BACKWARDS.match(text[::-1])) == bool(wrote_end.search(text))
    assert bool(quotes._SENT_END_BACKWARDS.match(text[::-1])) == bool(sent_end.search(text))
    assert bool(quotes._TIME.search(text)) == bool(time_of_day.search(text))


def test_a_body_left_quoted_printable_is_read_decoded() -> None:
    import quopri

    reply = "Merci pour le document, je reviens vers vous demain avec les corrections demandées."
    text = f"{reply}\n\nLe mar. 3 mars 2026 à 09:15, Anne Lefèvre <anne.lefevre@exemple.fr> a écrit :\n> Voici.\n"
    damaged = quopri.encodestring(text.encode("utf-8")).decode("ascii")
    assert "=\n" in damaged
    assert "a =C3=A9crit" in damaged
    assert visible_reply(damaged) == reply
    assert quotes.repair_quoted_printable("x = 1\ny == 2, see ?id=20") == "x = 1\ny == 2, see ?id=20"


def test_a_message_of_nothing_but_a_bare_quote_shows_the_quote() -> None:
    body = "> Email with only a quote.\n>\n> And a second line of it.\n"
    assert visible_reply(body) == "> Email with only a quote.\n>\n> And a second line of it."
    assert strip_quoted_history(body) == ""  # no text of the author's: no signature to look for


def test_quoted_history_with_its_headers_and_nothing_added_stays_empty() -> None:
    body = (
        "> On Thu, Apr 30, 2020 at 10:07 AM, Ann Lee <ann@rapport.dev> wrote:\n>\n"
        ">> On Thu, Apr 30, 2020 at 10:06 AM, Mark Roe <mark@rapport.dev> wrote:\n>> Ping.\n"
    )
    assert visible_reply(body) == ""
    assert visible_reply("> -----Original Message-----\n> From: Ann Lee\n> Sent: Monday\n> Hi\n") == ""


@pytest.mark.parametrize(
    "line",
    ["> yes", ">", "  > indented", "\t>> deep", "JD> initials", "ABCD> too many", "a > b", "x", "", " ", "\u00a0> x"],
)
def test_a_quoted_line_is_read_as_the_pattern_reads_it(line: str) -> None:
    assert quotes._is_quoted(line) == bool(quotes._QUOTED.match(line))
