"""Signature blocks: finding the lines a sender signs with, and reading fields out of them.

`find_signature` looks at the end of the author's own text (quoted history removed) and
walks up over lines that can belong to a signature (short lines, names, titles, contact
details, a delimiter), then decides where the block starts from its anchors: a line with
the sender's name, a sign-off such as "Best regards," or a delimiter such as "-- ".
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import NamedTuple

from shared.mail import signature_words
from shared.mail.addresses import Address
from shared.mail.caseless import Caseless, fold
from shared.mail.mail_forms import forms
from shared.mail.memo import short_text_cache
from shared.mail.quotes import is_mobile_footer, split_lines, strip_quoted_history

# Closing words in the languages of shared.mail.mail_forms. A sign-off line is one of these,
# optionally followed by the writer's name or initials ("Thanks, Ann", "Cheers - BT").
SIGN_OFFS = forms("closing")

# Words that make a short line a job title, and legal forms that make it a company (all languages).
TITLE_WORDS = tuple(dict.fromkeys(word for words in signature_words.TITLE_WORDS.values() for word in words))
COMPANY_SUFFIXES = tuple(dict.fromkeys(form for forms in signature_words.COMPANY_FORMS.values() for form in forms))
# Words that end a message often enough to look like a lone first name, but never are.
NOT_NAMES = frozenset(
    {"ok", "okay", "yes", "no", "done", "enjoy", "sure", "great", "agreed", "noted", "fine", "cool", "nice",
     "perfect", "excellent", "attached", "see", "below", "above", "hi", "hello", "bye", "later", "soon",
     "again", "please", "help", "urgent", "fyi", "asap", "tbd", "n/a", "thanks", "regards"}
)  # fmt: skip

# Words of the notices companies append under signatures, in the languages above.
DISCLAIMER_WORDS = (
    "confidential", "intended recipient", "intended solely", "privileged", "disclaimer", "unauthorized",
    "please consider the environment", "before printing", "virus", "legally binding", "vertraulich",
    "empfänger", "confidentiel", "destinataire", "riservat", "destinatario", "confidencial", "vertrouwelijk",
    "geadresseerde", "konfidentiell", "fortrolig", "luottamuksellinen", "poufn", "конфиденциальн",
)  # fmt: skip
_DISCLAIMER_MIN_CHARS = 80
MAX_SIGNATURE_LINES = 12  # non-empty lines; longer tails are text, not a signature
MAX_LINE_CHARS = 60
_KEPT_CHARS = 200  # texts up to this long have their readings kept (see shared.mail.memo)
_MAX_NAME_TOKENS = 4
_SENTENCE_MIN_WORDS = 3
_PHRASE_MAX_WORDS = 7


def _alternation(words: tuple[str, ...]) -> str:
    escaped = {re.escape(w.lower()).replace(r"\ ", r"\s+") for w in words}
    return "|".join(sorted(escaped, key=len, reverse=True))


# Punctuation after a closing, full-width forms included ("よろしくお願いいたします。").
_CLOSING_PUNCTUATION = ",.!:;–—\\-。，、！："


def _sign_off_pattern(closings: tuple[str, ...]) -> Caseless:
    return Caseless(
        rf"^\s*(?:{_alternation(closings)})"
        rf"(?P<rest>(?:\s*[{_CLOSING_PUNCTUATION}]+\s*|\s+)(?P<name>[^\s].*?))?\s*[{_CLOSING_PUNCTUATION}]*\s*$"
    )


_SIGN_OFF = _sign_off_pattern(SIGN_OFFS)
_FIRST_WORD = re.compile(r"[^\W\d_]+")


def _first_word_of(phrase: str) -> str:
    match = _FIRST_WORD.match(phrase)
    return match.group(0).lower() if match else ""


# One small pattern per first word: a line is tried only against the closings its first word can
# start, not against all of them.
def _by_first_word(closings: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for closing in closings:
        grouped.setdefault(_first_word_of(closing), []).append(closing)
    grouped.pop("", None)
    return {word: tuple(group) for word, group in grouped.items()}


_SIGN_OFF_BY_FIRST_WORD = {word: _sign_off_pattern(group) for word, group in _by_first_word(SIGN_OFFS).items()}
_SIGN_OFF_FIRST_WORDS = frozenset(_SIGN_OFF_BY_FIRST_WORD)
_DELIMITER = re.compile(r"^\s*(?:--\s*|-{3,}\s*|_{2,}\s*|—{2,}\s*|–{2,}\s*)$")
_DELIMITER_CHARACTERS = frozenset("-_—–")  # what a stripped delimiter line starts with
_SENTENCE_ENDINGS = (".", "!", "?", ":", ";")  # the last character before any trailing space
# Both end at the text's end (trailing space aside), and what they find there is short: they are
# searched for over the last characters only (_found_at_end), not tried at every position.
_DOTTED_ABBREVIATION = re.compile(r"(?:\b\w{1,3}\.){2,}$|\b(?:Dept|Inc|Ltd|Co|Corp|Lda|Bros|Assoc)\.$", re.IGNORECASE)
_DOTTED_ABBREVIATION_CHARS = 8  # two "\w{1,3}." (a longer run also ends in two of them), or "Assoc."
_ABBREVIATION_END = re.compile(r"(?:\b[A-Z]\.|\b(?:Jr|Sr|Inc|Ltd|Co|Corp|Ph\.D|Dr|Mr|Mrs|Ms|St|Ave|Ext)\.)\s*$")
_ABBREVIATION_END_CHARS = 5  # "Ph.D.", "Corp."
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_URL = Caseless(r"(?:https?://|www\.)[^\s<>()\"']+")
_PHONE = re.compile(r"(?:\+|\(|\b)\d[\d\s().\-/]{5,}\d")
_CONTACT_LABEL = Caseless(
    r"^\s*(?:(?:tel|phone|ph|mobile|mob|cell|fax|direct|office|t|m|f|p|d|o)\s*[.:]\s*[+(\d]"
    r"|(?:e|email|e-mail|w|web|website|skype|linkedin|twitter|x)\s*:)"
)
_NAME_CHARACTERS = re.compile(r"^[^\W\d_][\w'’.-]*$")
# Lower-case particles inside names: "Pieter de Vries", "Ludwig van Beethoven", "Ana dos Santos".
NAME_PARTICLES = frozenset(
    {"de", "van", "von", "der", "den", "da", "di", "du", "del", "della", "le", "la", "bin", "al", "el", "ten",
     "ter", "dos", "das", "do", "y", "zu", "af", "av"}
)  # fmt: skip
_INITIALS = re.compile(r"^[A-Z]{2,3}$")
# A name in a script without capitals: one to three short runs of letters.
_CASELESS_NAME = re.compile(r"^[^\W\d_]{1,12}(?:[ ·・][^\W\d_]{1,12}){0,2}$")
# Word sets rather than alternation patterns: a set lookup per word beats a scan per position.
_TITLE_TERMS = frozenset(TITLE_WORDS)
# Compound-title endings by length: a term's endings are looked up, not compared with every head.
_TITLE_HEADS = frozenset(signature_words.TITLE_HEADS)
_TITLE_HEAD_LENGTHS = tuple(sorted({len(head) for head in _TITLE_HEADS}))
# Legal forms compared as words without dots: "S.A. de C.V." is "sa de cv", "Sp. z o.o." is "sp z oo".
_COMPANY_TERMS = frozenset(form.replace(".", "") for form in COMPANY_SUFFIXES)
_COMPANY_PREFIX_FORMS = frozenset({"ооо", "ао", "зао", "пао", "оао", "тов", "pt", "株式会社"})  # written first
# Short forms that are everyday words elsewhere ("as", "is", "da"): they count only at the end.
_COMPANY_ANYWHERE = frozenset(f for f in _COMPANY_TERMS if len(f) >= 3 and " " not in f) - {"company", "ltd şti"}
_STREET_WORDS = frozenset(signature_words.STREET_WORDS)
_DEPARTMENT_WORDS = frozenset(signature_words.DEPARTMENT_WORDS)
# Compound street names: "Hafenstraße", "Storgatan", "Industrivej".
_STREET_ENDINGS = ("straße", "strasse", "str.", "weg", "gatan", "vägen", "vej", "gade", "veien", "katu", "laan",
                   "straat", "allee", "platz", "gasse")  # fmt: skip
_POSTCODE = re.compile(
    r"\b[A-Z]{2,3}\s+\d{4,5}(?:-\d{4})?\b"  # "NJ 07901", "NSW 2000"
    r"|\b\d{2}-\d{3}\s+\w"  # "00-590 Warszawa"
    r"|\b\d{4,5}\s+[^\W\d_][\w'’-]+"  # "20457 Hamburg", "8001 Zürich"
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b"  # "SW1A 1AA"
    r"|\bp\.?\s?o\.?\s+box\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[\w.&/-]+")
_HANDLE = re.compile(r"(?:^|(?<=[\s:]))@(?P<handle>\w{1,15})\b")
_BARE_DOMAIN = Caseless(r"(?<![@\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,24}(?:/[^\s<>()\"']*)?(?![\w@-])")
_LETTERS = re.compile(r"[^\w]+")
_DIGIT = re.compile(r"\d")
_HONORIFIC_WORDS = frozenset(
    {"dr", "prof", "ing", "mag", "dipl.-ing", "dipl.-kfm", "dott", "dott.ssa", "avv", "arch", "mr", "mrs", "ms", "mme",
     "herr", "frau", "sr", "sra"}
)  # fmt: skip
_HONORIFIC = re.compile(
    r"^(?:(?:Dr|Prof|Ing|Mag|Dipl\.-Ing|Dipl\.-Kfm|Dott|Dott\.ssa|Avv|Arch|Mr|Mrs|Ms|Mme|Herr|Frau|Sr|Sra)\.?\s+)+"
)
_CREDENTIALS = re.compile(r",\s*(?:[A-Z][A-Za-z]{1,5}\.?[®™]?)(?:,\s*[A-Z][A-Za-z]{1,5}\.?[®™]?)*$")
_NAME_SUFFIX = re.compile(r",\s*(?:Ph\.?D\.?|M\.?D\.?|MBA|Jr\.?|Sr\.?|Esq\.?|CPA|PE|III|II|IV)$")
_EXTENSION = Caseless(r"^(?:x|ext\.?|extn\.?|durchwahl|poste)\s*\d{2,6}$")
_DISCLAIMER = re.compile("|".join(re.escape(w) for w in DISCLAIMER_WORDS), re.IGNORECASE)  # for non-ASCII text
# "Jane Doe | CEO" and "Jane Doe - Acme": the name is the lead segment.
_LEAD_SEGMENT = re.compile(r"\s*(?:\||•|·|\t+|\s[–—/-]\s)\s*")
_SEGMENT_CHARACTER = re.compile(r"[|•·\t–—/-]")  # in every separator: a quick scan rules most lines out
CONTACT_LABELS = (
    "tel", "phone", "ph", "mobile", "mob", "cell", "fax", "direct", "office", "t", "m", "f", "p", "d", "o", "e",
    "w", "email", "e-mail", "web", "website", "skype", "linkedin", "twitter", "x",
)  # fmt: skip
_LABEL_WORDS = Caseless(rf"\b(?:{_alternation(CONTACT_LABELS)})\b\s*[.:]?")  # longest first: "e-mail" before "e"
# The word runs labels are made of ("e-mail": "e" and "mail"): a token of other words is prose.
_LABEL_RUNS = frozenset(run for label in CONTACT_LABELS for run in re.findall(r"\w+", label))
# A whitespace-separated token without "@", ".", ":" or a digit: no address, link, domain,
# handle or phone number can touch it, so only label words ever leave it.
_PLAIN_TOKEN = re.compile(r"(?<!\S)[^\s@.:\d]+(?!\S)")
_WORD_RUN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class SignatureBlock:
    """The signature as written: its lines (blank lines inside kept), sign-off included."""

    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def non_empty_lines(self) -> list[str]:
        return [line.strip() for line in self.lines if line.strip()]


class _Line(NamedTuple):  # a tuple: a quarter of the cost of a frozen dataclass to build, per line
    text: str
    blank: bool
    sign_off: bool
    sign_off_name: bool  # a sign-off carrying a name or initials on the same line
    delimiter: bool
    sender_name: bool
    name_like: bool
    contact: bool
    compatible: bool  # could be part of a signature at all


def find_signature(text: str, sender: Address | None, *, history_removed: bool = False) -> SignatureBlock | None:
    """The sender's signature at the end of their own text, or None.

    Pass `history_removed=True` when `text` already went through `strip_quoted_history`.
    """
    lines = _without_trailing_disclaimers(split_lines(text if history_removed else strip_quoted_history(text)))
    tail = _signature_tail(lines, _sender_name_keys(sender))
    start = _block_start(tail)
    if start is None:
        return None
    block = [line.text.rstrip() for line in tail[start:]]
    while block and not block[-1].strip():
        block.pop()
    return SignatureBlock(tuple(block)) if block else None


def _without_trailing_disclaimers(lines: list[str]) -> list[str]:
    """Drop legal notices and environmental pleas under the signature; they are not part of it."""
    end = len(lines)
    while True:
        while end and not lines[end - 1].strip():
            end -= 1
        start = end
        while start and lines[start - 1].strip():
            start -= 1
        paragraph = " ".join(line.strip() for line in lines[start:end])
        if start == end or len(paragraph) < _DISCLAIMER_MIN_CHARS or not _mentions_disclaimer(paragraph):
            return lines[:end]
        if any(_sign_off_match(line.strip()) or _is_name_like(line, False) for line in lines[start:end]):
            return lines[:end]  # a closing inside: the author's own text that mentions confidentiality
        end = start


def _mentions_disclaimer(paragraph: str) -> bool:
    folded, is_folded = fold(paragraph)
    if is_folded:  # a substring test per word is quicker than the pattern's scan of every position
        return any(word in folded for word in DISCLAIMER_WORDS)
    return bool(_DISCLAIMER.search(paragraph))


def _signature_tail(lines: list[str], sender_names: frozenset[str]) -> list[_Line]:
    """The longest run of signature-compatible lines at the end of the text, described.

    Lines are described from the bottom up and only as far as the run goes: long bodies
    cost no more than short ones.
    """
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    tail: list[_Line] = []
    non_empty = 0
    for index in range(end - 1, -1, -1):
        line = _describe(lines[index], sender_names)
        if not line.blank:
            if not line.compatible or non_empty >= MAX_SIGNATURE_LINES:
                break
            non_empty += 1
        tail.append(line)
    tail.reverse()
    while tail and tail[0].blank:
        tail.pop(0)
    return tail


def _block_start(tail: list[_Line]) -> int | None:
    """Where the signature starts within the tail, judged by its anchors; None without one."""
    anchors = (_delimiter_start, _sender_name_start, _sign_off_start, _generic_name_start, _contact_block_start)
    for anchor in anchors:
        start = anchor(tail)
        if start is not None:
            return start
    return None


def _delimiter_start(tail: list[_Line]) -> int | None:
    for index, line in enumerate(tail):
        if line.delimiter:
            after = tail[index + 1 :]
            if any(a.sender_name or a.name_like for a in after):
                return _with_closing_above(tail, index)
            return None
    return None


def _sender_name_start(tail: list[_Line]) -> int | None:
    for index, line in enumerate(tail):
        if line.sender_name:
            return _with_sign_off_above(tail, index)
    return None


def _sign_off_start(tail: list[_Line]) -> int | None:
    """A sign-off counts when a name follows it, on its line or the next non-blank one."""
    for index in range(len(tail) - 1, -1, -1):
        line = tail[index]
        if not line.sign_off:
            continue
        following = [t for t in tail[index + 1 :] if not t.blank]
        if line.sign_off_name or (following and (following[0].name_like or _is_signed_name(following[0].text))):
            return index
    return None


def _generic_name_start(tail: list[_Line]) -> int | None:
    """A name-like line followed by signature lines, or a lone first name closing the text."""
    for index, line in enumerate(tail):
        if not line.name_like:
            continue
        tokens = line.text.split()
        if len(tokens) == 1 and tokens[0].strip(".,!?").lower() in NOT_NAMES:
            continue  # "Sure." above a signature is the reply's last word, not a name
        following = [t for t in tail[index + 1 :] if not t.blank]
        if line.contact:  # "Ann Lee - 503-555-0101"
            return index
        if following and any(t.contact or _has_title(t.text) or _has_company_suffix(t.text) for t in following):
            return index
        # A lone first name closing the text, perhaps above a mobile footer ("Ann / --- / Sent from my ...").
        closing = all(t.delimiter or is_mobile_footer(t.text) for t in following)
        if closing and len(tokens) == 1 and tokens[0].strip(".,!?").lower() not in NOT_NAMES:
            return index
    return None


def _contact_block_start(tail: list[_Line]) -> int | None:
    """Contact lines alone under the text ("ann@acme.com / 503-833-4350"): two or more, with an
    address or a phone number among them, the block set off by a blank line."""
    start = len(tail)
    while start > 0 and not tail[start - 1].blank:
        start -= 1
    lines = tail[start:]  # the last paragraph
    if len(lines) < 2 or not all(t.contact for t in lines):
        return None
    if not any(_has_email(t.text) or _has_phone(t.text) for t in lines):
        return None
    return start


def _with_sign_off_above(tail: list[_Line], index: int) -> int:
    """Extend a block up over a sign-off standing right above it (blank lines allowed)."""
    above = _previous_line(tail, index)
    if above is not None and tail[above].sign_off and not tail[above].sign_off_name:
        return above
    return index


def _with_closing_above(tail: list[_Line], index: int) -> int:
    """Above a delimiter, take in the closing it follows: "Cheers, / Alex / -- / ..."."""
    above = _previous_line(tail, index)
    if above is None:
        return index
    if tail[above].sign_off:
        return above
    if tail[above].sender_name or tail[above].name_like:
        return _with_sign_off_above(tail, above) if _has_sign_off_above(tail, above) else index
    return index


def _has_sign_off_above(tail: list[_Line], index: int) -> bool:
    above = _previous_line(tail, index)
    return above is not None and tail[above].sign_off and not tail[above].sign_off_name


def _previous_line(tail: list[_Line], index: int) -> int | None:
    above = index - 1
    while above >= 0 and tail[above].blank:
        above -= 1
    return above if above >= 0 else None


# ---- line classification --------------------------------------------------------------------


def _describe(raw: str, sender_names: frozenset[str]) -> _Line:
    """What the line can be in a signature. A line that cannot be part of one ends the run, and
    nothing else is read of it: it is described only as incompatible."""
    text = raw.strip()
    if not text:
        return _Line(raw, True, False, False, False, False, False, False, True)
    if len(text) > MAX_LINE_CHARS and not _only_links(text) and not is_mobile_footer(text) and not _segmented(text):
        return _Line(raw, False, False, False, False, False, False, False, False)  # body text: stop here
    sign_off = _sign_off_match(text)
    signed_name = _signed_name(text, sign_off)
    sign_off_name = bool(signed_name and _is_name_like(signed_name, True))
    is_sign_off = sign_off is not None and (not signed_name or sign_off_name)
    lead = _LEAD_SEGMENT.split(text, maxsplit=1)[0] if _SEGMENT_CHARACTER.search(text) else text
    name_like = _is_name_like(lead, False) or (text[0] == "/" and _is_name_like(text[1:], True))  # "/Ann", "/AK"
    # "Call Ann at 555-0101." is body text even with a number in it; "Ann Lee - 503-555-0101." is not.
    sentence = not is_sign_off and _is_sentence(text) and not (name_like and _only_links(text[len(lead) :]))
    if sentence and not (is_mobile_footer(text) or looks_like_address(text)):
        return _Line(raw, False, False, False, False, False, False, False, False)
    delimiter = text[0] in _DELIMITER_CHARACTERS and bool(_DELIMITER.match(text))
    sender_name = _mentions_sender(lead, sender_names) and (name_like or _only_name_parts(lead, sender_names))
    contact = (
        _has_email(text)
        or bool(_URL.search(text))
        or _has_phone(text)
        or bool(_CONTACT_LABEL.match(text))
        or bool(_EXTENSION.match(text))
    )
    compatible = (
        sentence  # a sentence read this far is a mobile footer or an address line
        or delimiter
        or is_sign_off
        or sender_name
        or name_like
        or contact
        or _is_short_phrase(text)
        or is_mobile_footer(text)
        or looks_like_address(text)
    )
    return _Line(raw, False, is_sign_off, sign_off_name, delimiter, sender_name, name_like, contact, compatible)


def _sign_off_match(text: str) -> re.Match[str] | None:
    """The sign-off pattern, tried only when the first word can start one (it is a long pattern)."""
    first = _FIRST_WORD.match(text)
    pattern = _SIGN_OFF_BY_FIRST_WORD.get(first.group(0).lower()) if first else None
    return pattern.match(text) if pattern else None


def _signed_name(text: str, sign_off: re.Match[str] | None) -> str | None:
    """The name after the sign-off words, as written (the match may be on lower-cased text)."""
    if sign_off is None or sign_off.start("name") < 0:
        return None
    return text[sign_off.start("name") : sign_off.end("name")]


def _is_sentence(text: str) -> bool:
    """Ends like a sentence (or introduces something with a colon) and has enough words to be one."""
    if not text.rstrip().endswith(_SENTENCE_ENDINGS) or _found_at_end(_ABBREVIATION_END, text, _ABBREVIATION_END_CHARS):
        return False
    if len(text.split()) < _SENTENCE_MIN_WORDS and not text.endswith(("?", "!", ":")):
        return False  # too short for a sentence: the costlier tests below are not needed
    # "Strojírny Brno a.s.", "Budmax Sp. z o.o.", "Overseas Sales Dept.": a name, not a sentence.
    return not (
        text.endswith(".")
        and (_found_at_end(_DOTTED_ABBREVIATION, text, _DOTTED_ABBREVIATION_CHARS) or _has_company_suffix(text))
    )


def _found_at_end(pattern: re.Pattern[str], text: str, longest: int) -> bool:
    """Whether `pattern`, whose matches end at the end of the text (trailing space aside) and hold at
    most `longest` other characters, matches: searched from there, as the engine would otherwise try
    every position before. Searching from a position still sees the characters before it (\\b)."""
    return pattern.search(text, max(0, len(text.rstrip()) - longest)) is not None


def _only_links(text: str) -> bool:
    """True for lines made only of addresses, links, handles and phone numbers (and their labels)."""
    # Each pattern is skipped where a character all its matches hold is missing: the result is
    # the same, and these scans are most of the cost of reading a line.
    rest, folded = fold(text)
    if folded and _has_plain_word(rest):
        return False  # prose: a word nothing below can remove
    if "@" in rest:
        rest = _EMAIL.sub(" ", rest)
    rest = _URL.on(folded).sub(" ", rest)
    if "." in rest:
        rest = _BARE_DOMAIN.on(folded).sub(" ", rest)
    if "@" in rest:
        rest = _HANDLE.sub(" ", rest)
    if _DIGIT.search(rest):
        rest = _PHONE.sub(" ", rest)
    rest = _LABEL_WORDS.on(folded).sub(" ", rest)
    return not rest.strip(" \t<>()[],;:|/•·-–—.")


def _has_plain_word(folded: str) -> bool:
    """A word in a plain token that is no label: it stays whatever `_only_links` removes."""
    tokens = _PLAIN_TOKEN.finditer(folded)  # lazily: the first token usually settles it
    return any(not _LABEL_RUNS.issuperset(_WORD_RUN.findall(token.group())) for token in tokens)


def _has_email(text: str) -> bool:
    return "@" in text and bool(_EMAIL.search(text))  # the pattern backtracks over every word


def _has_phone(text: str) -> bool:
    return bool(_DIGIT.search(text)) and bool(_PHONE.search(text))


def _is_short_phrase(text: str) -> bool:
    """Short and not a sentence: a title, a company, an address line."""
    return len(text) <= MAX_LINE_CHARS and len(text.split()) <= _PHRASE_MAX_WORDS


@short_text_cache(_KEPT_CHARS)  # asked of a line by several rules, and of each signature in every mail
def _is_name_like(text: str, allow_initials: bool) -> bool:
    """1-4 capitalised words without digits, like "Ann", "J. R. Lee" or "ANN"."""
    cleaned = text.strip().lstrip("-–—~* ").rstrip(",. ")
    if "," in cleaned:
        cleaned = _CREDENTIALS.sub("", _NAME_SUFFIX.sub("", cleaned))  # "Ann Lee, Ph.D.", "Ann Lee, CPA®"
    tokens = cleaned.split()
    # Every way to True below needs a capital at the front of the first and last words.
    if not tokens or len(tokens) > _MAX_NAME_TOKENS or not (tokens[0][0].isupper() and tokens[-1][0].isupper()):
        return False
    if _DIGIT.search(cleaned):
        return False
    if _INITIALS.match(cleaned):
        return allow_initials
    if not allow_initials and _sign_off_match(cleaned):
        return False
    if len(tokens) > 1 and all(t.strip(".").isupper() for t in tokens):
        return False  # "AVG. BUY SELL": table headings and shouting, not names
    inner = tokens[1:-1]
    if not (_is_name_token(tokens[0]) and _is_name_token(tokens[-1])):
        return False
    if not all(_is_name_token(t) or t in NAME_PARTICLES for t in inner):
        return False
    return any(len(t.strip(".")) > 1 for t in tokens)


def _is_signed_name(text: str) -> bool:
    """What stands under a closing as a name: initials ("AK"), "/Ann", or a name in a script
    without capitals ("王芳", "سارة أحمد")."""
    cleaned = text.strip().lstrip("/-–—~* ").rstrip(",. ")
    if not cleaned or _DIGIT.search(cleaned):
        return False
    if _is_name_like(cleaned, True):
        return True
    return _is_caseless_name(cleaned)


def _is_caseless_name(text: str) -> bool:
    """A short name in a script without capitals ("王芳", "김지은", "سارة أحمد")."""
    cleaned = text.strip()
    return (
        0 < len(cleaned) <= 12  # the cheapest test first: the character loop below reads every character
        and bool(_CASELESS_NAME.match(cleaned))
        and not any(ch.isupper() or ch.islower() or ch.isdigit() for ch in cleaned)
    )


def _is_name_token(token: str) -> bool:
    return token[0].isupper() and bool(_NAME_CHARACTERS.match(token))


def _only_name_parts(text: str, sender_names: frozenset[str]) -> bool:
    """ "- ann", "AnnLee": nothing on the line but the sender's name, however written."""
    words = [w for w in _LETTERS.split(text.lower()) if w]
    return (
        bool(words)
        and len(words) <= _MAX_NAME_TOKENS
        and all(w in sender_names or any(len(n) >= 3 and n in w for n in sender_names) for w in words)
    )


@functools.lru_cache(maxsize=4096)  # a mailbox hears from the same people again and again
def _sender_name_keys(sender: Address | None) -> frozenset[str]:
    """Lower-cased name parts of the sender (from the display name and the address's local part)."""
    if sender is None:
        return frozenset()
    parts: list[str] = []
    if sender.name:
        parts += _LETTERS.split(re.sub(r"\([^)]*\)", " ", sender.name).lower())
    parts = [p for p in parts if len(p) >= 2]
    local = sender.email.partition("@")[0].lower()
    parts += [p for p in re.split(r"[._\-+0-9]+", local) if len(p) >= 3]  # "pm@" is no name
    return frozenset(p for p in parts if p not in _NOT_NAME_PARTS)


# Address local parts and display-name noise that are not names.
_NOT_NAME_PARTS = frozenset({"mailto", "info", "mail", "the", "and", "of", "jr", "sr", "com", "net", "org"})


def _mentions_sender(text: str, sender_names: frozenset[str]) -> bool:
    """A short line made of the sender's name (or with it run together, "AnnLee")."""
    if not sender_names or len(text) > 40 or "@" in text or any(map(str.isdigit, text)):
        return False
    words = [w for w in _LETTERS.split(text.lower()) if w]
    if not words or len(words) > _MAX_NAME_TOKENS + 1:
        return False
    if any(w in sender_names for w in words):
        return True
    joined = "".join(words)
    return any(len(name) >= 3 and name in joined for name in sender_names) and len(words) <= 2


# ---- reading fields ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureFields:
    name: str | None = None
    title: str | None = None
    company: str | None = None
    phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()  # websites, social profiles excluded
    linkedin: str | None = None
    twitter: str | None = None  # "@handle"
    address: str | None = None  # a postal address as written, its lines joined with ", "


# Commas and titles ("Doe, Jane", "Dr. Jane Doe", "Jane Doe, Ph.D.") need a real name parser;
# "Ann C. Lee" does not.
_NEEDS_NAME_PARSING = re.compile(
    r"[,()]|\b(?:Dr|Mr|Mrs|Ms|Prof|Me|Mme|Herr|Frau|Sr|Jr|Sra|PhD|Ph\.D|MD|MBA|Esq)\b", re.IGNORECASE
)
_SEGMENT_SPLIT = re.compile(r"\s*(?:\||•|·|\t+|\s[–—-]\s|\s/\s)\s*")
_TITLE_AT_COMPANY = re.compile(
    r"^(?P<title>.+?)(?:\s*,\s*|\s+at\s+|\s+@\s+|\s+bei\s+|\s+chez\s+|\s+presso\s+)(?P<company>.+)$"
)
_FAX_LABEL = re.compile(r"^\s*(?:fax|telefax|faks|fx|f|传真|ファックス)\b\s*[.:]?\s*[+(\d]", re.IGNORECASE)
_LINKEDIN = re.compile(r"linkedin\.com/(?P<kind>in|company|pub)/(?P<slug>[\w%.-]+)", re.IGNORECASE)
_TWITTER_URL = re.compile(r"(?:twitter|x)\.com/(?!intent|share|home)(?P<handle>\w{1,15})\b", re.IGNORECASE)
_SOCIAL_HOSTS = ("linkedin.com", "twitter.com", "x.com")
_TRAILING_URL_PUNCTUATION = ".,;:!?)]}>'\""


def parse_signature(block: SignatureBlock, sender: Address | None) -> SignatureFields:
    """Name, title, company and contact details read from a signature block."""
    segments = _segments(block)
    text = "\n".join(segments)
    urls = _urls(text)
    name = _name(segments, _sender_name_keys(sender))
    address_segments = [s for s in segments if looks_like_address(s) and not _only_links(s)]
    title, company = _title_and_company([s for s in segments if s not in address_segments], name, sender)
    return SignatureFields(
        name=name,
        title=title,
        company=company,
        phones=tuple(
            phones_in(_EMAIL.sub(" ", _URL.ignorecase.sub(" ", _without_fax(segments))), default_region(sender))
        ),
        emails=tuple(dict.fromkeys(e.lower() for e in _EMAIL.findall(text))),
        urls=tuple(u for u in urls if not _is_social(u)),
        linkedin=_linkedin(text),
        twitter=_twitter(text),
        address=", ".join(address_segments) or None,
    )


def _without_fax(segments: list[str]) -> str:
    """The segments that are not fax numbers ("Fax: ...", "f. ...", "Telefax ..."): a fax is no phone."""
    return "\n".join(segment for segment in segments if not _FAX_LABEL.match(segment))


def _segments(block: SignatureBlock) -> list[str]:
    """The block's meaningful pieces: lines split at "|" and similar, without sign-off words."""
    segments: list[str] = []
    for raw in block.non_empty_lines():
        if _DELIMITER.match(raw) or is_mobile_footer(raw):
            continue
        sign_off = _sign_off_match(raw)
        if sign_off:
            raw = _signed_name(raw, sign_off) or ""
        for piece in _SEGMENT_SPLIT.split(raw.strip().lstrip("-–—~* ")):
            if piece.strip():
                segments.append(piece.strip())
    return segments


def _name(segments: list[str], sender_names: frozenset[str]) -> str | None:
    bare = [(_without_honorific(s), s) for s in segments]
    candidates = [
        name
        for name, s in bare
        if (_is_name_like(name, False) or _is_caseless_name(s))
        and s.strip(".,!?").lower() not in NOT_NAMES
        and not _is_title(s)
        and not _has_company_suffix(s)
    ]
    preferred = [s for s in candidates if _mentions_sender(s, sender_names)]
    chosen = preferred or candidates
    if not chosen:
        return None
    # "Thanks, / David / David Kim / Principal": the fullest form of the first name given, but not
    # "Romano Design Studio" under "Elena Romano" (it does not hold her first name).
    name = chosen[0]
    for later in chosen[1:]:
        if set(name.lower().split()) < set(later.lower().split()):
            name = later
    return _clean_name(name)


def _without_honorific(segment: str) -> str:
    """ "Ing. Petr Novák", "Dr. Laura Fischer" -> the name; credentials after a comma too ("Kate Morgan, CFP®")."""
    if segment[: segment.find(" ") + 1].rstrip(". ").lower() in _HONORIFIC_WORDS:
        segment = _HONORIFIC.sub("", segment)
    return _CREDENTIALS.sub("", segment) if "," in segment else segment


def _clean_name(text: str) -> str:
    text = " ".join(text.split()).rstrip(",")
    if not _NEEDS_NAME_PARSING.search(text):
        return text  # "Anna Schmidt": nothing for a parser to take apart
    return first_middle_last(text).strip() or text.strip()


@short_text_cache(_KEPT_CHARS)  # the parser takes ~0.3 ms a name, and names come back
def first_middle_last(name: str) -> str:
    """A name as "First Middle Last", titles and suffixes dropped ("Doe, Dr. Jane" -> "Jane Doe");
    empty when the parser finds no part."""
    from nameparser import HumanName  # imported here: it builds its tables on first import

    parsed = HumanName(name)
    return " ".join(part for part in (parsed.first, parsed.middle, parsed.last) if part)


def _words(text: str) -> list[str]:
    """Lower-cased words without the punctuation around them."""
    return [word for word in (w.strip(".,/-&").lower() for w in _WORDS.findall(text)) if word]


def _terms(text: str) -> list[str]:
    """Lower-cased words, with the two-word phrases they form ("head of", "directeur général")."""
    words = _words(text)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


# Both are asked of the same few lines many times over (and of a writer's signature in every mail).
@short_text_cache(_KEPT_CHARS)
def _has_title(text: str) -> bool:
    terms = _terms(text)
    if not _TITLE_TERMS.isdisjoint(terms):
        return True
    # Compound titles: "Vertriebsleiter", "Salgsdirektør", "Produktmanagerin".
    return any(term[-size:] in _TITLE_HEADS for term in terms for size in _TITLE_HEAD_LENGTHS if len(term) > size + 2)


@short_text_cache(_KEPT_CHARS)
def _has_company_suffix(text: str) -> bool:
    words = [word for word in (w.replace(".", "") for w in _words(text)) if word]
    if not words:
        return False
    if len(words) < 2:
        return False  # a legal form alone ("BT", "AB") names no company
    if words[0] in _COMPANY_PREFIX_FORMS or not _COMPANY_ANYWHERE.isdisjoint(words):
        return True
    return any(" ".join(words[-size:]) in _COMPANY_TERMS for size in (1, 2, 3))


def _segmented(text: str) -> bool:
    """ "Ann Lee | CTO | Acme AB | 070-123 45 67": a long line of short pieces is one signature line."""
    if len(text) > 2 * MAX_LINE_CHARS or not _SEGMENT_CHARACTER.search(text):
        return False
    pieces = _SEGMENT_SPLIT.split(text)
    return len(pieces) > 1 and all(len(piece) <= MAX_LINE_CHARS // 2 and not _is_sentence(piece) for piece in pieces)


@short_text_cache(_KEPT_CHARS)
def looks_like_address(text: str) -> bool:
    """A postal address line: a number with a street word, a postcode with its town, or a PO box."""
    if not _DIGIT.search(text) or len(text) > MAX_LINE_CHARS:
        return False
    if _PHONE.search(text):
        text = _PHONE.sub(" ", text)  # "(312) 555-0110 ext. 204" is no postcode and town
    if _POSTCODE.search(text):
        return True
    words = [w.strip(".,").lower() for w in text.split()]
    return any(w in _STREET_WORDS or (len(w) > 6 and w.endswith(_STREET_ENDINGS)) for w in words)


def _is_title(text: str) -> bool:
    return len(text.split()) <= _PHRASE_MAX_WORDS and _has_title(text)


def _title_and_company(segments: list[str], name: str | None, sender: Address | None) -> tuple[str | None, str | None]:
    title: str | None = None
    company: str | None = None
    domain_words = _domain_words(sender)
    words = [
        s
        for s in segments
        if s == name or not (_has_phone(s) or _CONTACT_LABEL.match(s) or _only_links(s))  # cheapest first
    ]
    for segment in words:
        if segment == name or _is_written_name(segment, name):
            continue
        is_company = _has_company_suffix(segment) or _mentions_domain(segment, domain_words)
        split = _TITLE_AT_COMPANY.match(segment)
        if title is None and split and _splits_title_from_company(split, domain_words):
            title, company = split.group("title").strip(), company or split.group("company").strip()
            continue
        if title is None and _is_title(segment) and not (is_company and company is None and not split):
            title = segment
            continue
        if company is None and is_company:
            company = segment
    return title or _title_below_name(words, name, company), company or _company_below_title(words, name, title)


def _splits_title_from_company(split: re.Match[str], domain_words: frozenset[str]) -> bool:
    """ "CTO, Acme Inc.", "Head of Sales @ Acme", "VD, Nordtech AB": a title, then its company.
    After a comma the company must look like one ("SVP, Operations" is one title)."""
    title, company = split.group("title"), split.group("company")
    if not _is_title(title) or split.group(0).lower() in _TITLE_TERMS:
        return False  # "NaviStaff, Inc." is a company; "Attorney at Law" one title
    if _is_title(company) and not _has_company_suffix(company):
        return False
    if _has_company_suffix(company) or _mentions_domain(company, domain_words):
        return True
    # "Vice President, Enron North America" but not "SVP, Operations" or "Manager, Global Business Team".
    return _DEPARTMENT_WORDS.isdisjoint(_terms(company))


def _title_below_name(segments: list[str], name: str | None, company: str | None) -> str | None:
    """The short line right under the name, when no title word marked one ("Ufficio Acquisti")."""
    following = _after_name(segments, name)
    if following and following != company and following[0].isupper() and _is_plain_phrase(following):
        return following if not _is_name_like(following, False) else None
    return None


def _company_below_title(segments: list[str], name: str | None, title: str | None) -> str | None:
    """The capitalised line right under the title line, when no legal form marked a company."""
    if title is None:
        return None
    after_title = _after_name(segments, title) if title in segments else None
    if after_title and after_title != name and after_title[0].isupper() and _is_plain_phrase(after_title):
        return after_title
    return None


def _is_written_name(segment: str, name: str | None) -> bool:
    """The segment the name was read from ("Dr. Ann Lee, PhD" for "Ann Lee"); the name parser runs
    only on segments that hold the name's last word."""
    if not name:
        return False
    return name.split()[-1] in segment and _clean_name(_without_honorific(segment)) == name


def _after_name(segments: list[str], anchor: str | None) -> str | None:
    for index, segment in enumerate(segments[:-1]):
        if segment == anchor or _is_written_name(segment, anchor):
            return segments[index + 1]
    return None


def _is_plain_phrase(segment: str) -> bool:
    return len(segment.split()) <= 5 and not _DIGIT.search(segment) and not _is_sentence(segment)


@functools.lru_cache(maxsize=4096)  # per sender, as _sender_name_keys: the domain reader is costly
def _domain_words(sender: Address | None) -> frozenset[str]:
    if sender is None:
        return frozenset()
    from shared.mail.companies import company_domain, company_name_from_domain

    domain = company_domain(sender.email)
    if domain is None:
        return frozenset()
    return frozenset(w.lower() for w in company_name_from_domain(domain).split() if len(w) >= 3)


def _mentions_domain(segment: str, domain_words: frozenset[str]) -> bool:
    if not domain_words or len(segment.split()) > _PHRASE_MAX_WORDS:
        return False
    squashed = "".join(_LETTERS.split(_without_accents(segment.lower())))
    return all(word in squashed for word in domain_words)


def _without_accents(text: str) -> str:
    """ "Lumière" -> "lumiere": domains are written without accents."""
    if text.isascii():
        return text
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


# ---- contact details ----------------------------------------------------------------------------

# Generic top-level domains say nothing about the country; numbers without a "+" then default to US.
_GENERIC_REGION = "US"
_TLD_REGIONS = {"uk": "GB", "eu": _GENERIC_REGION}
# Country-code domains sold worldwide as brand names (acme.io, acme.ai): they tell nothing either.
_VANITY_TLDS = frozenset({"io", "co", "ai", "me", "tv", "ly", "gg", "to", "fm", "am", "so", "sh", "ac", "cc", "ws"})


def default_region(sender: Address | None) -> str:
    """The phone region implied by the sender's country-code domain, else US."""
    if sender is None:
        return _GENERIC_REGION
    return _region_of_tld(sender.email.rpartition(".")[2].lower())


@functools.lru_cache(maxsize=1024)
def _region_of_tld(tld: str) -> str:
    import phonenumbers

    if tld in _VANITY_TLDS:
        return _GENERIC_REGION
    region = _TLD_REGIONS.get(tld, tld.upper())
    return region if len(tld) == 2 and region in phonenumbers.SUPPORTED_REGIONS else _GENERIC_REGION


def phones_in(text: str, region: str) -> list[str]:
    """Phone numbers in the text, in E.164, deduplicated in order of appearance."""
    found: dict[str, None] = {}
    for line in text.splitlines():
        if _PHONE.search(line):
            found.update(dict.fromkeys(_phones(line, region)))
    return list(found)


@short_text_cache(_KEPT_CHARS)  # the matcher takes ~0.1 ms a line, and signature lines come back
def _phones(line: str, region: str) -> tuple[str, ...]:
    import phonenumbers

    try:
        matcher = phonenumbers.PhoneNumberMatcher(line, region, leniency=phonenumbers.Leniency.POSSIBLE)
        return tuple(phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164) for m in matcher)
    except Exception:  # the matcher is robust, but a signature is never worth a crash
        return ()


def _urls(text: str) -> list[str]:
    found: dict[str, None] = {}
    without_emails = _EMAIL.sub(" ", text)
    for match in _URL.ignorecase.finditer(without_emails):
        found.setdefault(match.group(0).rstrip(_TRAILING_URL_PUNCTUATION))
    for match in _BARE_DOMAIN.ignorecase.finditer(_URL.ignorecase.sub(" ", without_emails)):
        candidate = match.group(0).rstrip(_TRAILING_URL_PUNCTUATION)
        if _is_public_domain(candidate.split("/", 1)[0]):
            found.setdefault(candidate)
    return list(found)


def _is_public_domain(host: str) -> bool:
    from shared.mail.companies import registered_domain

    return registered_domain(host) is not None


def _is_social(url: str) -> bool:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).split("/", 1)[0]
    return host in _SOCIAL_HOSTS


def _linkedin(text: str) -> str | None:
    match = _LINKEDIN.search(text)
    if not match:
        return None
    return f"https://www.linkedin.com/{match.group('kind').lower()}/{match.group('slug').rstrip('.')}"


def _twitter(text: str) -> str | None:
    match = _TWITTER_URL.search(text) or _HANDLE.search(_EMAIL.sub(" ", text))
    return f"@{match.group('handle')}" if match else None
