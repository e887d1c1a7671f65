"""find_signature and parse_signature on hand-written mail in several languages."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.mail import signatures
from shared.mail.addresses import Address
from shared.mail.signatures import SignatureBlock, default_region, find_signature, parse_signature, phones_in

ANNA = Address("anna@northwind-analytics.co.uk", "Anna Schmidt")


def block_of(text: str, sender: Address | None) -> list[str] | None:
    block = find_signature(text, sender)
    return block.non_empty_lines() if block else None


def test_full_business_signature_with_sign_off() -> None:
    text = (
        "Hi Tom,\n\nSounds good, let's talk Thursday.\n\nBest regards,\nAnna Schmidt\n"
        "Head of Partnerships | Northwind Analytics\n+44 20 7946 0958 | M: 07700 900123\n"
        "www.northwind-analytics.co.uk | linkedin.com/in/anna-schmidt | twitter.com/annaschmidt\n"
    )
    assert block_of(text, ANNA) == [
        "Best regards,",
        "Anna Schmidt",
        "Head of Partnerships | Northwind Analytics",
        "+44 20 7946 0958 | M: 07700 900123",
        "www.northwind-analytics.co.uk | linkedin.com/in/anna-schmidt | twitter.com/annaschmidt",
    ]
    block = find_signature(text, ANNA)
    assert block is not None
    fields = parse_signature(block, ANNA)
    assert fields.name == "Anna Schmidt"
    assert fields.title == "Head of Partnerships"
    assert fields.company == "Northwind Analytics"
    assert fields.phones == ("+442079460958", "+447700900123")  # the national number read as British
    assert fields.urls == ("www.northwind-analytics.co.uk",)
    assert fields.linkedin == "https://www.linkedin.com/in/anna-schmidt"
    assert fields.twitter == "@annaschmidt"


@pytest.mark.parametrize(
    ("text", "sender", "expected"),
    [
        (
            "Hallo Herr Meier,\n\nanbei das Angebot.\n\nMit freundlichen Grüßen\n\nJürgen Müller\nGeschäftsführer\n"
            "Müller & Söhne GmbH\nTel.: 030 1234567\n",
            Address("j.mueller@mueller-soehne.de"),
            ["Mit freundlichen Grüßen", "Jürgen Müller", "Geschäftsführer", "Müller & Söhne GmbH", "Tel.: 030 1234567"],
        ),
        (
            "Bonjour,\n\nJe confirme jeudi.\n\nCordialement,\nMarie Dupont\nDirectrice commerciale\n"
            "Tél : 01 23 45 67 89\n",
            Address("marie.dupont@exemple.fr", "Marie Dupont"),
            ["Cordialement,", "Marie Dupont", "Directrice commerciale", "Tél : 01 23 45 67 89"],
        ),
        (
            "Hej,\n\ntorsdag går bra.\n\nMed vänlig hälsning\nAnna Svensson\n",
            Address("anna@svensson.se"),
            ["Med vänlig hälsning", "Anna Svensson"],
        ),
        ("Witam,\n\nczwartek pasuje.\n\nPozdrawiam\nTomasz Nowak\n", None, ["Pozdrawiam", "Tomasz Nowak"]),
        ("Ok.\n\nTerveisin\nMatti\n", Address("matti.virtanen@yritys.fi"), ["Terveisin", "Matti"]),
        ("Ja, passt.\n\nGrüße, JM\n", Address("j.mueller@acme.de", "Jürgen Müller"), ["Grüße, JM"]),
        (
            "Привет,\n\nчетверг подходит.\n\n--\nИван Петров\nМенеджер по продажам\n",
            Address("ivan@company.ru", "Иван Петров"),
            ["--", "Иван Петров", "Менеджер по продажам"],
        ),
        (
            "Attached the contract.\n\nKind regards\n\nPieter de Vries\nSales Director | Contoso B.V.\n"
            "T +31 20 123 4567\n",
            Address("pieter@contoso.nl"),
            ["Kind regards", "Pieter de Vries", "Sales Director | Contoso B.V.", "T +31 20 123 4567"],
        ),
        ("Will do, thanks!\n\nJim\n", Address("jim@acme.com", "Jim Beam"), ["Jim"]),
        ("Done.\n---\nRosa", Address("rosa@acme.com", "Rosa Diaz"), ["---", "Rosa"]),
        ("Done.\n\n- rosa", Address("rosa@acme.com", "Rosa Diaz"), ["- rosa"]),
        ("Done.\n\n-Rosa.\n\nSent from my Pixel!", Address("rosa@acme.com"), ["-Rosa.", "Sent from my Pixel!"]),
        (
            "Numbers attached.\n\nCheers,\nAlex\n\n--\nAlex Martin | Head of Growth | Acme\nm: +1 415 555 0100",
            Address("alex@acme.com", "Alex Martin"),
            ["Cheers,", "Alex", "--", "Alex Martin | Head of Growth | Acme", "m: +1 415 555 0100"],
        ),
        ("Call me when you land.\n\nYour pal, Craig.", Address("craig@mail.com", "Craig Hill"), ["Your pal, Craig."]),
        ("Call me upon receipt.\n\nDana Wu - 713-555-0199.", None, ["Dana Wu - 713-555-0199."]),
        ("See attached.\n\nStephane\nx6721", None, ["Stephane", "x6721"]),
        ("See attached.\n\nleslie@acme.com\n503-555-0150", None, ["leslie@acme.com", "503-555-0150"]),
        (
            "See attached.\n\nFrank\n-----\nSent from my BlackBerry Wireless",
            None,
            ["Frank", "-----", "Sent from my BlackBerry Wireless"],
        ),
    ],
)
def test_signature_blocks(text: str, sender: Address | None, expected: list[str]) -> None:
    assert block_of(text, sender) == expected


def test_signature_above_a_legal_notice_is_found_without_it() -> None:
    text = (
        "The quote is attached.\n\nJane Doe\nAccount Executive\nAcme Corp | +1 212 555 0188\n\n"
        "CONFIDENTIALITY NOTICE: This e-mail, including any attachments, is for the sole use of the intended\n"
        "recipient(s) and may contain confidential and privileged information.\n"
    )
    assert block_of(text, Address("jane@acme.com", "Jane Doe")) == [
        "Jane Doe",
        "Account Executive",
        "Acme Corp | +1 212 555 0188",
    ]


def test_a_confidential_message_keeps_its_own_closing() -> None:
    text = "Please keep the attached numbers confidential until the board meeting next week.\nThanks,\nAnn"
    assert block_of(text, Address("ann@acme.com", "Ann Lee")) == ["Thanks,", "Ann"]


@pytest.mark.parametrize(
    "text",
    [
        "Please review the draft by Friday.\n\nThanks",
        "Looks fine to me.\nTHANK YOU!",
        "Let me know.\n\nMeeting Room B",
        "See the numbers:\n\nQ3 Revenue 1,200\nQ4 Revenue 1,450",
        "Call me at 555-0101 when you land.",
        "Agreed, let's go with option A and revisit in March.",
        "Tag 1234 was cut at HE 19.\n\nThat should be it.  BT",
        "Links:\n\nhttps://example.org/a\nhttps://example.org/b",
        "Her new number is\n\n503-555-0105",
        "Lunch is provided.\n\nLimited Seating\n\n*****\n\nThank you.",
        "Hope this finds you well.\nLove, Aunt May\nP.S. Uncle Ben sends his love.",
        "",
    ],
)
def test_no_signature(text: str) -> None:
    assert find_signature(text, Address("barry.t@acme.com", "Barry Tycholiz")) is None


def test_sender_name_in_a_sentence_is_not_a_signature() -> None:
    assert find_signature("Short update.\n\nMark it as done", Address("mark@acme.com", "Mark Lee")) is None


def test_signature_in_quoted_history_is_ignored() -> None:
    text = "Yes.\n\nOn Tue, 3 Mar 2026, Ann <ann@rapport.dev> wrote:\n> Hi\n>\n> Ann Lee\n> CEO, Rapport\n"
    assert find_signature(text, Address("bob@acme.com", "Bob")) is None


def test_parse_signature_reads_title_at_company_and_name_with_suffix() -> None:
    block = SignatureBlock(("Thanks,", "Dr. John E. Doe, Ph.D.", "CEO at Pandaland", "john@pandaland.io", "@pandaland"))
    fields = parse_signature(block, Address("john@pandaland.io"))
    assert fields.name == "John E. Doe"
    assert fields.title == "CEO"
    assert fields.company == "Pandaland"
    assert fields.emails == ("john@pandaland.io",)
    assert fields.urls == ()
    assert fields.twitter == "@pandaland"


def test_company_is_recognised_from_the_sender_domain() -> None:
    block = SignatureBlock(("Ann Lee", "Northwind Analytics"))
    assert parse_signature(block, ANNA).company == "Northwind Analytics"


@pytest.mark.parametrize(
    ("email", "region"),
    [("a@firma.de", "DE"), ("a@acme.co.uk", "GB"), ("a@acme.com", "US"), ("a@acme.io", "US"), ("a@acme.fr", "FR")],
)
def test_default_phone_region_follows_the_country_domain(email: str, region: str) -> None:
    assert default_region(Address(email)) == region


def test_phones_are_e164_and_deduplicated() -> None:
    text = "Tel.: 030 1234567\nMobil: +49 (0)171 1234567\nFax 030 1234567"
    assert phones_in(text, "DE") == ["+49301234567", "+491711234567"]


def test_phones_on_long_lines_and_lines_read_again() -> None:
    long_line = "Office: 030 1234567 | " + "Please call ahead of any visit to us | " * 6 + "Mobil: 0171 1234567"
    assert len(long_line) > 200  # read without the cache of signature lines
    assert phones_in(long_line, "DE") == ["+49301234567", "+491711234567"]
    assert phones_in("Tel.: 030 1234567", "DE") == phones_in("Tel.: 030 1234567", "DE") == ["+49301234567"]
    assert phones_in("Tel.: 030 1234567", "US") != ["+49301234567"]  # the region is part of the key


def _only_links_as_written(text: str) -> bool:
    """The plain reading of signatures._only_links: every pattern, case-insensitively, in order."""
    rest = signatures._BARE_DOMAIN.ignorecase.sub(
        " ", signatures._URL.ignorecase.sub(" ", signatures._EMAIL.sub(" ", text))
    )
    rest = signatures._LABEL_WORDS.ignorecase.sub(" ", signatures._PHONE.sub(" ", signatures._HANDLE.sub(" ", rest)))
    return not rest.strip(" \t<>()[],;:|/•·-–—.")


LINK_PIECES = [
    "ann@acme.com", "@ann", "www.acme.com", "https://acme.com/x", "acme.co.uk", "+1 (503) 555-0101", "x 12",
    "Tel:", "Tel ", "E-mail:", "email", "Web", "| ", "- ", " ", ".", ":", "/", "Ann", "call", "tel5", "e-mail", "_",
    "\u00a0", "\x0c", "ÄNN", "ſkype", "555", "(", ")", "Mob.", "linkedin.com/in/ann", "http://intranet",
]  # fmt: skip


@pytest.mark.parametrize(
    "line",
    ["Tel +1 (503) 555-0101", "Mobile 503 555 0101 | Web www.acme.com", "email ann@acme.com / skype annlee",
     "http://intranet", "Call 503 555 0101 today", "Phone - Fax", "E-mail: ann@acme.com"],
)  # fmt: skip
def test_only_links_on_contact_lines(line: str) -> None:
    assert signatures._only_links(line) == _only_links_as_written(line)


def test_a_labelled_address_line_is_only_links():
    assert signatures._only_links("E-mail: ann@acme.com")  # the whole label, not "E" and a stray "-mail"
    assert signatures._only_links("e-mail ann@acme.com | Tel. +1 503 555 0101")
    assert not signatures._only_links("Mail me: ann@acme.com")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LINK_PIECES), max_size=8).map("".join))
def test_only_links_reads_lines_as_its_patterns_do(line: str) -> None:
    assert signatures._only_links(line) == _only_links_as_written(line)


@pytest.mark.parametrize(
    "paragraph",
    ["This e-mail is CONFIDENTIAL and may be PRIVILEGED.", "Diese Nachricht ist VERTRAULICH.",
     "Nur für den EMPFÄNGER bestimmt.", "ℹ Please consider the environment before printing", "Nothing to see.",
     "Ceci est CONFIDENTIEL", "Это КОНФИДЕНЦИАЛЬНО"],
)  # fmt: skip
def test_disclaimer_words_are_found_in_any_case(paragraph: str) -> None:
    pattern = re.compile("|".join(re.escape(w) for w in signatures.DISCLAIMER_WORDS), re.IGNORECASE)
    assert signatures._mentions_disclaimer(paragraph) == bool(pattern.search(paragraph))


@pytest.mark.parametrize(
    ("text", "email", "expected"),
    [
        ("Thanks, will do.\n\n/Anna", "anna@x.se", "/Anna"),
        ("Sounds good.\n\n/AK", "anna.karlsson@x.se", "/AK"),
        ("Works for me.\n\nBR\nAK", "anna.karlsson@x.se", "BR\nAK"),
        ("确认收到，谢谢。\n\n此致\n王芳", "fang.wang@example.cn", "此致\n王芳"),
        (
            "了解しました。\n\nよろしくお願いいたします。\n山田花子",
            "hanako@example.jp",
            "よろしくお願いいたします。\n山田花子",
        ),
        ("Teşekkürler, uygun.\n\nSaygılarımla,\nAyşe Yılmaz", "ayse@firma.com.tr", "Saygılarımla,\nAyşe Yılmaz"),
        ("Obrigado pelo retorno.\n\nAbraço,\nJoão", "joao@empresa.com.br", "Abraço,\nJoão"),
        ("Hvala na informaciji.\n\nLijep pozdrav,\nAna Horvat", "ana@firma.hr", "Lijep pozdrav,\nAna Horvat"),
        ("Köszönöm a választ.\n\nÜdvözlettel:\nKovács Anna", "anna@ceg.hu", "Üdvözlettel:\nKovács Anna"),
        ("Terima kasih atas infonya.\n\nSalam,\nSiti Rahma", "siti@contoh.co.id", "Salam,\nSiti Rahma"),
        ("شكرا على الرد.\n\nمع التحية\nسارة أحمد", "sara@example.ae", "مع التحية\nسارة أحمد"),
        (
            "Ok.\n\nMvh\n\nLars Hansen\nDaglig leder\nFirma AS",
            "lars@firma.no",
            "Mvh\n\nLars Hansen\nDaglig leder\nFirma AS",
        ),
    ],
)
def test_closings_in_many_languages_take_the_name_below_them(text: str, email: str, expected: str) -> None:
    block = find_signature(text, Address(email=email))
    assert block is not None
    assert block.text == expected


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        (
            "Mit freundlichen Grüßen\n\nMichael Müller\nVertriebsleiter\nSchmidt Logistik GmbH\n"
            "Hafenstraße 12, 20457 Hamburg\nTel.: +49 40 123456-0\nFax: +49 40 123456-99",
            ("Michael Müller", "Vertriebsleiter", "Schmidt Logistik GmbH", "Hafenstraße 12, 20457 Hamburg"),
        ),
        (
            "S pozdravem\nIng. Petr Novák\nobchodní ředitel\nStrojírny Brno a.s.\ntel.: +420 541 123 456",
            ("Petr Novák", "obchodní ředitel", "Strojírny Brno a.s.", None),
        ),
        (
            "Barry  Tycholiz\nVice President, Enron North America",
            ("Barry Tycholiz", "Vice President", "Enron North America", None),
        ),
        (
            "W. Harris\nSVP, Operations\nHarris Energy Corporation",
            ("W. Harris", "SVP, Operations", "Harris Energy Corporation", None),
        ),
        (
            "Oscar Nilsson | Systemarkitekt | Arctic IT AB | 070-123 45 67",
            ("Oscar Nilsson", "Systemarkitekt", "Arctic IT AB", None),
        ),
        (
            "Giulia Rossi\nUfficio Acquisti\nRossi Impianti S.r.l.",
            ("Giulia Rossi", "Ufficio Acquisti", "Rossi Impianti S.r.l.", None),
        ),
    ],
)
def test_fields_in_many_languages_and_layouts(signature: str, expected: tuple[str | None, ...]) -> None:
    block = find_signature(f"Thanks for the note.\n\n{signature}", None)
    assert block is not None
    fields = parse_signature(block, None)
    assert (fields.name, fields.title, fields.company, fields.address) == expected


def test_a_phone_line_is_no_address() -> None:
    assert not signatures.looks_like_address("(312) 555-0110 ext. 204")
    assert signatures.looks_like_address("1200 Main St, Suite 400, Dallas, TX 75202")


def test_a_fax_number_is_no_phone_and_credentials_are_no_part_of_the_name() -> None:
    text = "Done.\n\nCheers,\nMark Jones, SPHR\nHR Business Partner\nPh: 330-555-0161 x215\nFax: 330-555-0162"
    block = find_signature(text, Address(email="mark.jones@pinnaclehr.com", name="Mark Jones"))
    assert block is not None
    fields = parse_signature(block, None)
    assert (fields.name, fields.title, fields.phones) == ("Mark Jones", "HR Business Partner", ("+13305550161",))


def test_the_fullest_form_of_the_senders_name_is_kept_but_not_a_company_named_after_them() -> None:
    sender = Address(email="elena.romano@romanodesign.it", name="Elena Romano")
    block = find_signature("Ok.\n\nElena\n\nElena Romano\nArt Director — Romano Design Studio", sender)
    assert block is not None
    fields = parse_signature(block, sender)
    assert (fields.name, fields.title, fields.company) == ("Elena Romano", "Art Director", "Romano Design Studio")


@pytest.mark.parametrize(
    "line", ["Vertriebsleiter", "Salgsdirektør Norden", "Produktmanagerin", "Team Leiter", "Leiter", "Manager", "Chef"]
)
def test_compound_titles_are_read_by_their_endings_as_a_scan_of_every_ending_reads_them(line: str) -> None:
    terms = signatures._terms(line)
    scanned = any(len(t) > len(h) + 2 and t.endswith(h) for t in terms for h in signatures._TITLE_HEADS)
    assert signatures._has_title(line) == (not signatures._TITLE_TERMS.isdisjoint(terms) or scanned)


@pytest.mark.parametrize(
    "text",
    ["Ann Lee, Ph.D.", "See you at 5 p.m.", "Acme Corp.", "Acme Corp. \n", "Budmax Sp. z o.o.", "abcd.e.", "x.y.",
     "Call me.", "J.", "Thanks Mr.", "Overseas Sales Dept.", "", ".", "Inc.", "Dept. of Trade", "a.b.c.d.e.f."],
)  # fmt: skip
def test_an_ending_is_found_from_the_last_characters_as_anywhere(text: str) -> None:
    for pattern, longest in (
        (signatures._ABBREVIATION_END, signatures._ABBREVIATION_END_CHARS),
        (signatures._DOTTED_ABBREVIATION, signatures._DOTTED_ABBREVIATION_CHARS),
    ):
        assert signatures._found_at_end(pattern, text, longest) == bool(pattern.search(text)), (pattern, text)
