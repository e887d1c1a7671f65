"""The visible reply: the author's new text without quoted history, forwarded or quoted
headers, or a signature that follows a delimiter.

The rules are data (the tables below) so another language is one more entry. Headers are
recognised by shape, not by client: "<date ...> <name/address> <wrote-verb>:" in any
order, Outlook header blocks, "Original Message"/"Forwarded" separators.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shared.mail.caseless import Caseless
from shared.mail.mail_forms import forms

WROTE_VERBS = forms("wrote")
HEADER_OPENERS = forms("opener")
FROM_LABELS = forms("from")
DATE_LABELS = forms("date")
OTHER_LABELS = DATE_LABELS + forms("field")
HISTORY_SEPARATORS = forms("separator")
FORWARD_INTROS = forms("forward_intro")
SENT_FROM_FORMS = forms("sent_from")
DEVICE = "{device}"


def _alternation(words: Sequence[str]) -> str:
    # Longest first, so "envoyé le" wins over "envoyé". Forms are literal text, matched caselessly.
    escaped = {re.escape(w.lower()).replace(r"\ ", r"\s+") for w in words}
    return "|".join(sorted(escaped, key=len, reverse=True))


def _backwards(words: Sequence[str]) -> str:
    """The words of a table above (letters, escaped characters, spaces) spelled backwards."""
    return "|".join("".join(reversed(re.findall(r"\\s\+|\\.|.", word))) for word in _alternation(words).split("|"))


# Only ever searched for, so it may start at the front of its run of characters only: the
# first match is the same, and long words are not re-scanned from each of their letters.
_EMAIL = r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"
# "wrote:" at the end, matched on the reversed text: anchored there, only the end is read.
_WROTE_END_BACKWARDS = Caseless(rf"\s*(?:[:：]|-{{2,}})\s*(?:{_backwards(WROTE_VERBS)})")
_EMAIL_COLON_END = re.compile(rf"{_EMAIL}\s*[>)\]]?\s*[:：]\s*$")
# Scripts written without spaces (CJK, Thai) put the verb right against a date or name.
_SPACELESS = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_WROTE_ANYWHERE = Caseless(
    rf"(?<!\w)(?:{_alternation([v for v in WROTE_VERBS if not _SPACELESS.search(v)])})(?!\w)"
    rf"|{_alternation([v for v in WROTE_VERBS if _SPACELESS.search(v)])}"
)
_EMAIL_RE = re.compile(_EMAIL)
_DATE_LIKE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?\b|\b\d{1,2}:\d{2}\b")
_HEADER_DATE = re.compile(r"\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b")
_SENT_END_BACKWARDS = Caseless(r"\n?:\s*tnes(?!\w)")  # "sent:" ending the text (or its last line), reversed
# "\b\d{1,2}[:.]\d{2}\b" written to start with its digit, which the engine can scan ahead for.
_TIME = re.compile(r"\d(?<!\w\d)\d?[:.]\d{2}\b")
_HAS_DATE_OR_ADDRESS = re.compile(r"[\d@]")  # a class, not "\d|@": the engine scans ahead for it
# Written without adjacent optional runs (like \s*[*>]*\s*), which backtrack badly on long indents.
# Header field labels, lower-cased with single spaces: a line's label is looked up, not searched for.
_LABEL_SET = frozenset(" ".join(label.lower().split()) for label in FROM_LABELS + OTHER_LABELS)
_LABEL_COLON = re.compile(r"[:：]")
_COLONS = ":："
# A field label inside a line (a header block flattened onto one line): a space before, a colon after.
_INLINE_LABEL = re.compile(rf"\s(?:{_alternation(OTHER_LABELS)})\s*[:：]", re.IGNORECASE)
_FROM_LABEL_SET = frozenset(" ".join(label.lower().split()) for label in FROM_LABELS)
_DATE_LABEL_SET = frozenset(" ".join(label.lower().split()) for label in DATE_LABELS)
_SEPARATOR = Caseless(rf"^[-_=*~\s]*(?:{_alternation(HISTORY_SEPARATORS)})[-_=*~\s]*[:：]?$")
_BANNER = re.compile(r"^[-=_*~]{3,}[^-=_*~\d]{2,40}[-=_*~]{3,}$")
_SEPARATOR_NEEDS_RULE = frozenset({"forwarded"})  # a bare word, so it needs dashes around it
# Both are matched against stripped lines.
_FORWARD_INTRO = Caseless(rf"^(?:{_alternation(FORWARD_INTROS)})\s*[:：]$")


def _sent_from_pattern(forms: Sequence[str]) -> str:
    """ "Sent from my {device}" forms as one pattern: the device is up to six words (none for a
    form that ends in it: "Sent from my" alone), then an optional link the client appends."""
    alternatives = []
    for form in sorted(forms, key=len, reverse=True):
        before, _, after = form.lower().partition(DEVICE)
        device = r"(?:\s*[\w'’.&+-]+){0,6}" if not after.strip() else r"\s*[\w'’.&+-]+(?:\s+[\w'’.&+-]+){0,5}?"
        head = f"(?:{_alternation([before.strip()])})" if before.strip() else ""
        tail = rf"\s*(?:{_alternation([after.strip()])})" if after.strip() else ""
        alternatives.append(head + device + tail)
    return rf"^(?:{'|'.join(alternatives)})(?:\s*(?:<[^<>\s]*>|\([^()\s]*\)|\[[^\[\]\s]*\]))?[.!]?$"


_SENT_FROM = Caseless(_sent_from_pattern(SENT_FROM_FORMS))
_SIGNATURE_DELIMITER = re.compile(r"^(?:--|_{2,})$")
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_SEPARATOR_FIRST_WORDS = frozenset(phrase.split()[0].lower() for phrase in HISTORY_SEPARATORS)
# A mobile footer starts with its form's first word, or (for "{device}から送信") ends with its tail.
_SENT_FROM_HEADS = frozenset(
    form.lower().partition(DEVICE)[0].split()[0] for form in SENT_FROM_FORMS if not form.startswith(DEVICE)
)
# "发自我的iPhone": no space ends the first word, so these are tested with startswith.
_SENT_FROM_SPACELESS_HEADS = tuple(head for head in _SENT_FROM_HEADS if _SPACELESS.search(head))
_SENT_FROM_TAILS = tuple(
    {form.rpartition(DEVICE)[2].strip().lower() for form in SENT_FROM_FORMS if form.startswith(DEVICE)}
)


# Their first (or last) three characters: a line with others is ruled out without reading a word.
def _openings(words: frozenset[str]) -> frozenset[str]:
    """The first three characters of each word as written in lower, title or upper case: a set
    lookup on a line's first characters, with no lower-casing of the line."""
    starts = {f"{word} "[:3] for word in words}  # "나의 iPhone": a head shorter than three characters
    return frozenset(case for start in starts for case in (start, start.title(), start.upper(), start.capitalize()))


_SEPARATOR_OPENINGS = _openings(_SEPARATOR_FIRST_WORDS)
_SENT_FROM_OPENINGS = _openings(_SENT_FROM_HEADS)
_SENT_FROM_ENDINGS = frozenset(tail[-3:] for tail in _SENT_FROM_TAILS)
_RULE_CHARACTERS = frozenset("-_=*~")
_HEAD_CHARS = 20  # longer than the first word of any separator or mobile footer form
_HEAD_PUNCTUATION = "*-_=~:,.!'\"()[]<>"
_LABEL_SEARCH_CHARS = 40  # a field label ("Envoyé le :", "*From:*") sits at the start of its line
_RULE_LINE = re.compile(r"^[-_=*~—–#+]{3,}$")
# ">" and the initials Supercite-style clients put before it ("JD> ..."; Emacs Supercite, Gnus).
_QUOTED = re.compile(r"^[ \t]*(?:[A-Z]{1,3})?>")
_QUOTE_MARKS = re.compile(r"^(?:[ \t]*(?:[A-Z]{1,3})?>)+ ?")  # every level of a quoted line's markers
# Lone marks that tracking extensions (Mixmax, Streak) leave under a reply; not text.
_BLANK_OR_INVISIBLE = " \t\u1427\u200b\u200c\u200d\u2060\ufeff\u00a0"
_BLANK_RUNS = re.compile(r"\n{3,}")
# A quoted-printable soft break: "=" ending a line the encoder filled to its 76 characters.
_QP_SOFT_BREAK = re.compile(r"^[^\n]{60,75}=\r?$", re.MULTILINE)
# Two bytes of one UTF-8 character, escaped: "=C3=A9" is "é".
_QP_UTF8 = re.compile(r"=[C-F][0-9A-F]=[89AB][0-9A-F]")
# Gmail's dated attribution in several locales: "2016-03-03 17:21 GMT+01:00 Ann Lee <ann@x.org>:",
# its address and colon sometimes lost when the header was re-wrapped or converted from HTML.
_GMAIL_DATED_HEADER = re.compile(r"^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} GMT[+-]\d{1,2}(?::?\d{2})?\s+\S.*$")
_OPENER = Caseless(rf"^(?:{_alternation(HEADER_OPENERS)})\b.*(?:\d{{1,2}}[:.]\d{{2}}|\b(?:19|20)\d{{2}}\b)")
_OPENER_FIRST_WORDS = frozenset(phrase.split()[0].lower() for phrase in HEADER_OPENERS)
_OPENER_INITIALS = frozenset(word[0] for word in _OPENER_FIRST_WORDS)

_MAX_HEADER_LINES = 3
_HEADER_ENDINGS = (":", "：", "-")  # every header form ends in one
_SPREAD_HEADER_LINES = 8
_MAX_HEADER_CHARS = 400
_OUTLOOK_BLOCK_SPAN = 6
_MAX_NESTING = 3


def visible_reply(text: str) -> str:
    """The author's new text in a plain-text message body, without signature after a delimiter."""
    return split_reply(text)[1]


def strip_quoted_history(text: str) -> str:
    """The author's text with its signature still attached: only quoted history is removed."""
    return split_reply(text)[0]


def split_reply(text: str) -> tuple[str, str]:
    """(the author's text with signature, the visible reply): one pass for both."""
    lines = split_lines(repair_quoted_printable(text))
    own = _visible_lines(lines, depth=0)
    if not own and _is_bare_quote(lines):
        # Nothing but a quote with no attribution or header in it: the quote is all the message
        # says, so it is shown as written rather than as an empty reply. A quote that holds a
        # thread's headers ("> On ... wrote:") is history with nothing added, and stays empty.
        return "", _join([line.rstrip() for line in lines])
    end = _signature_start(own)
    own_text = _join(own)
    # The lines are trimmed already: only a cut at a signature can leave blank or rule lines to drop.
    return own_text, own_text if end == len(own) else _join(_trim(own[:end]))


def _is_bare_quote(lines: list[str]) -> bool:
    """Every non-blank line is quoted ("> ..."), and what they quote holds no quote header,
    separator or header block."""
    non_blank = [line for line in lines if line.strip(_BLANK_OR_INVISIBLE)]
    if not non_blank or not all(_is_quoted(line) for line in non_blank):
        return False
    unquoted = [_QUOTE_MARKS.sub("", line) for line in lines]
    return _history_start(unquoted)[1] is None


def repair_quoted_printable(text: str) -> str:
    """The text decoded when it is still quoted-printable (a part whose transfer encoding was
    lost or applied twice): soft line breaks at the encoder's line length, or UTF-8 bytes
    spelled "=C3=A9". Such damage splits headers ("wro=" / "te:") and hides their words."""
    if "=" not in text:
        return text
    soft_breaks = _QP_SOFT_BREAK.findall(text) if "=\n" in text or "=\r\n" in text else []
    if not soft_breaks and not _QP_UTF8.search(text):
        return text
    import quopri  # rarely needed

    return quopri.decodestring(text.replace("\r\n", "\n").encode("utf-8")).decode("utf-8", errors="replace")


def _signature_start(lines: list[str]) -> int:
    """The first "-- " / underscore delimiter or "Sent from my ..." line, else the end."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and ((stripped[0] in "-_" and _SIGNATURE_DELIMITER.match(stripped)) or is_mobile_footer(stripped)):
            return index
    return len(lines)


def is_mobile_footer(line: str) -> bool:
    """ "Sent from my iPhone" and its kin in any of the languages above."""
    stripped = line.strip()
    # Three characters at either end rule out nearly every line before any word is read.
    if stripped[:3] in _SENT_FROM_OPENINGS and (
        _head_word(stripped) in _SENT_FROM_HEADS or stripped.startswith(_SENT_FROM_SPACELESS_HEADS)
    ):
        return bool(_SENT_FROM.match(stripped))
    if stripped[-3:] in _SENT_FROM_ENDINGS and stripped.endswith(_SENT_FROM_TAILS):  # written in lower case
        return bool(_SENT_FROM.match(stripped))
    return False


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _join(lines: list[str]) -> str:
    text = "\n".join(lines)
    # The pattern is tried at every position; a substring test finds most texts without a run.
    return (_BLANK_RUNS.sub("\n\n", text) if "\n\n\n" in text else text).strip()


def _visible_lines(lines: list[str], depth: int) -> list[str]:
    cut, resume, is_quote_header = _history_start(lines)
    kept = _own_lines(lines[:cut])
    if resume is None or depth > _MAX_NESTING:
        return kept
    rest = lines[resume:]
    if kept and not (is_quote_header and _is_interleaved(rest)):
        return kept
    # Either nothing stands above the header (the reply sits below the quote: bottom-posting,
    # or a forward or pasted header block with the text under it) or the author answers
    # between quoted lines (inline reply): keep reading below.
    below = _visible_lines(rest, depth + 1)
    return [*kept, "", *below] if kept and below else kept or below


def _own_lines(lines: list[str]) -> list[str]:
    """The author's lines: quoted lines (and a quoted line's wrapped tail) dropped, in order."""
    if ">" not in "".join(lines):  # one substring test of the joined lines: no line is quoted
        return _trim(lines)
    own: list[str] = []
    wrapped_tails: list[str] = []
    for index, line in enumerate(lines):
        if _is_quoted(line):
            if own and own[-1].strip():
                own.append("")  # the quote stood between two paragraphs: keep them apart
            continue
        if line.strip() and _is_wrapped_quote_tail(lines, index):
            wrapped_tails.append(line)
            continue
        own.append(line)
    kept = _trim(own)
    # Lines taken for a quote's wrapped tails were all the author wrote: they are the reply, not nothing.
    return kept if any(line.strip() for line in kept) or not wrapped_tails else _trim(wrapped_tails)


def _is_wrapped_quote_tail(lines: list[str], index: int) -> bool:
    """One unquoted line between two quoted ones is the quoted line wrapped by a client."""
    return 0 < index < len(lines) - 1 and _is_quoted(lines[index - 1]) and _is_quoted(lines[index + 1])


def _is_quoted(line: str) -> bool:
    """The pattern's answer, read first from the line's first character: most quoted lines start
    with ">", and a line without ">" anywhere is no quote (a substring test is far cheaper)."""
    return line[:1] == ">" or (">" in line and _QUOTED.match(line) is not None)


def _is_interleaved(rest: list[str]) -> bool:
    """True when a quote header is followed by '>' lines and then by the author's own paragraph.

    An unquoted line right under a quoted one is the quoted line wrapped by a client, not
    new text: only a paragraph after a blank line counts as the author's.
    """
    first = next((line for line in rest if line.strip()), None)  # not a list of every line of history
    if first is None or not _is_quoted(first):
        return False  # unquoted text under a header is the original message itself
    after_blank = False
    for line in rest:
        if not line.strip():
            after_blank = True
            continue
        if after_blank and not _is_quoted(line):
            return True
        after_blank = False
    return False


def _trim(lines: list[str]) -> list[str]:
    """Drop leading and trailing quoted lines, blank lines and bare separator rules."""
    start, end = 0, len(lines)
    while start < end and (not lines[start].strip(_BLANK_OR_INVISIBLE) or _is_quoted(lines[start])):
        start += 1
    while end > start and _is_trailing_noise(lines[end - 1]):
        end -= 1
    return [line.rstrip() for line in lines[start:end]]


def _is_trailing_noise(line: str) -> bool:
    stripped = line.strip(_BLANK_OR_INVISIBLE)
    return not stripped or stripped.startswith(">") or bool(_RULE_LINE.match(stripped))


def _history_start(lines: list[str]) -> tuple[int, int | None, bool]:
    """Where quoted history starts, where reading may resume below its header, and whether
    that header is a quote header ("... wrote:") rather than a separator or header block.

    Returns (len(lines), None, False) when the whole text is new.
    """
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        first = stripped[0]
        if (first == ">" or (first.isupper() and ">" in stripped[1:4])) and _is_quoted(line):
            continue
        header_end = _quote_header_end(lines, index) if _HAS_DATE_OR_ADDRESS.search(stripped) else None
        if header_end is not None:
            return index, header_end, True
        # Cheap character tests first: most lines are prose and fail them, sparing the big patterns.
        if (
            (stripped[0] in _RULE_CHARACTERS and (_is_separator(stripped) or _is_banner(lines, index)))
            or (
                stripped[:3] in _SEPARATOR_OPENINGS
                and _head_word(stripped) in _SEPARATOR_FIRST_WORDS
                and _is_separator(stripped)
            )
            or (stripped[-1] in _COLONS and _FORWARD_INTRO.match(stripped))
        ):
            return index, _header_block_end(lines, index + 1), False
        if stripped[-1] in _COLONS and _is_bare_attribution(lines, index):
            return index, index + 1, True
        head = stripped[:_LABEL_SEARCH_CHARS]
        if (":" in head or "：" in head) and _opens_header_block(lines, index):
            return index, _header_block_end(lines, index), False
    return len(lines), None, False


def _is_bare_attribution(lines: list[str], index: int) -> bool:
    """ "Ann Lee wrote:" or "On Tuesday, Ann wrote:" with no date or address, right above quoted lines."""
    stripped = lines[index].strip()
    if len(stripped) > _MAX_HEADER_CHARS // 2 or not _WROTE_END_BACKWARDS.match(stripped[::-1]):
        return False
    following = next((line for line in lines[index + 1 : index + 3] if line.strip()), "")
    return _is_quoted(following)


def _header_block_end(lines: list[str], index: int) -> int:
    """The first line under a forwarded or pasted header block starting at `index` (blank lines
    above it skipped; a field wrapped over several lines stays in the block)."""
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines) or not _field_label(lines[index]):
        return index
    while index < len(lines) and lines[index].strip():
        index += 1
    return index


def _head_word(stripped: str) -> str:
    """The first word of a stripped line, lower-cased, without the punctuation around it."""
    head = stripped[:_HEAD_CHARS].split(None, 1)
    return head[0].strip(_HEAD_PUNCTUATION).lower() if head else ""


def _first_word(stripped: str, initials: frozenset[str]) -> str:
    """The line's first word, lower-cased; "" when it starts with none of `initials` (lower case)."""
    if stripped[:1].lower()[:1] not in initials:
        return ""
    match = _FIRST_WORD.match(stripped)
    return match.group(0).lower() if match else ""


def _is_banner(lines: list[str], index: int) -> bool:
    """ "-------- <anything short> --------" right above header fields: a separator in any language."""
    if not _BANNER.match(lines[index].strip()):
        return False
    following = [line for line in lines[index + 1 : index + 4] if line.strip()][:2]
    return any(_field_label(line) for line in following)


def _is_separator(stripped: str) -> bool:
    match = _SEPARATOR.match(stripped)
    if not match:
        return False
    words = re.sub(r"[-_=*~:\s]+", " ", stripped).strip().lower()
    return words not in _SEPARATOR_NEEDS_RULE or stripped.startswith(("-", "="))


def _quote_header_end(lines: list[str], index: int) -> int | None:
    """End (exclusive) of an "On <date>, <name> wrote:" header starting at `index`, if any.

    Clients wrap long headers, so up to three consecutive non-blank lines are joined. Every header
    holds a digit or an "@": the caller asks only of lines that do.
    """
    first = lines[index].strip()
    if "@" in first and _is_bare_header_above_quote(lines, index):
        return index + 1
    if first[4:5] == "-" and _GMAIL_DATED_HEADER.match(first):
        return index + 1
    joined_end = _joined_header_end(lines, index)
    if joined_end is None and _first_word(first, _OPENER_INITIALS) in _OPENER_FIRST_WORDS and _OPENER.match(first):
        return _spread_header_end(lines, index)
    return joined_end


def _joined_header_end(lines: list[str], index: int) -> int | None:
    """A header over up to three consecutive lines, ending in a colon or dashes."""
    for line in lines[index : index + _MAX_HEADER_LINES]:
        if line.rstrip().endswith(_HEADER_ENDINGS):
            break
    else:
        return None  # every header form ends in a colon or dashes: skip the joining below
    joined = ""
    for offset in range(_MAX_HEADER_LINES):
        position = index + offset
        if position >= len(lines) or not lines[position].strip() or _is_quoted(lines[position]):
            return None
        joined = f"{joined} {lines[position].strip()}" if joined else lines[position].strip()
        if len(joined) > _MAX_HEADER_CHARS:
            return None
        if joined.endswith(_HEADER_ENDINGS) and _looks_like_quote_header(joined):
            # A header that starts on a later line is that header, not this line's continuation
            # ("+44 20 7946 0958" right above "On Tue, ... wrote:").
            return None if _header_starts_later(lines, index, position) else position + 1
    return None


def _spread_header_end(lines: list[str], index: int) -> int | None:
    """End of an "On <date> <name>" header whose address and "wrote:" a client pushed onto later
    lines, across blank lines and a stray ">" ("On Thu, 31 Mar 2016 at 11:16 Ann / < / mailto:... / > wrote:")."""
    joined = lines[index].strip()
    for position in range(index + 1, min(len(lines), index + _SPREAD_HEADER_LINES)):
        piece = lines[position].strip().lstrip(">").strip()
        if not piece:
            continue
        joined = f"{joined} {piece}"
        if len(joined) > _MAX_HEADER_CHARS:
            return None
        if joined.endswith(":"):
            return position + 1 if _WROTE_END_BACKWARDS.match(joined[::-1]) else None
    return None


def _header_starts_later(lines: list[str], index: int, end: int) -> bool:
    first = lines[index]
    first_has_address = "@" in first and bool(_EMAIL_RE.search(first))
    for start in range(index + 1, end + 1):
        if first_has_address and "@" not in " ".join(lines[start : end + 1]):
            return False  # "Ann <ann@x.org> ezt / írta (időpont: ..., 9:15):": the address opened it
        later = " ".join(line.strip() for line in lines[start : end + 1])
        # The later header must carry its own date: an address or "wrote:" alone is a wrapped tail.
        if _HEADER_DATE.search(lines[start]) and _looks_like_quote_header(later):
            return True
    return False


def _is_bare_header_above_quote(lines: list[str], index: int) -> bool:
    """ "2011/4/7 Ann Lee <ann@x.org>" with no verb or colon, directly above quoted lines."""
    following = [candidate for candidate in lines[index + 1 : index + 3] if candidate.strip()]
    if not following or not (_is_quoted(following[0]) or following[0].lstrip().startswith("|")):
        return False
    line = lines[index].strip()
    return len(line) <= _MAX_HEADER_CHARS // 2 and bool(_EMAIL_RE.search(line)) and bool(_DATE_LIKE.search(line))


def _looks_like_quote_header(joined: str) -> bool:
    backwards = joined[::-1]
    if _WROTE_END_BACKWARDS.match(backwards) or ("@" in joined and _EMAIL_COLON_END.search(joined)):
        return True
    if _SENT_END_BACKWARDS.match(backwards) and _has_address_or_time(joined):
        return True  # "On 11-Apr-2011, at 6:54 PM, Ann <ann@x.org> sent:"
    # "Ann Lee <ann@x.org> schrieb am So., 23. Juni 2024, 21:08:": the verb sits in the middle.
    return bool(_WROTE_ANYWHERE.search(joined)) and _has_address_or_time(joined)


def _has_address_or_time(text: str) -> bool:
    return ("@" in text and bool(_EMAIL_RE.search(text))) or bool(_TIME.search(text))


def _opens_header_block(lines: list[str], index: int) -> bool:
    """True when `index` starts an Outlook-style block: From plus another field label nearby,
    or a date field directly followed by another field ("Date: ... / To: ...")."""
    first = _field_label(lines[index])
    if not first:
        return False
    labels = {first}
    for line in lines[index + 1 : index + _OUTLOOK_BLOCK_SPAN]:
        label = _field_label(line)
        if label:
            labels.add(label)
    if len(labels) >= 2 and labels & _FROM_LABEL_SET:
        return True
    if first in _FROM_LABEL_SET and len(_INLINE_LABEL.findall(lines[index])) >= 2:
        return True  # "From: Ann <a@x.org> Sent: Tuesday ... To: Mark Subject: ...", flattened onto one line
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return first in _DATE_LABEL_SET and bool(_field_label(following))


def _field_label(line: str) -> str:
    """The header field label a line starts with ("From:", "*Von:*", "> Envoyé le :"), lower-cased; else ""."""
    colon = _LABEL_COLON.search(line, 0, _LABEL_SEARCH_CHARS)
    if colon is None:
        return ""
    label = " ".join(line[: colon.start()].strip(" \t*>").split()).lower()
    return label if label in _LABEL_SET else ""


# -- read by shared.mail.reply_context, which shows the quoted lines an inline answer replies to --------


def is_quoted(line: str) -> bool:
    """A quoted line: "> ..." at any depth, or with the initials Supercite-style clients put before it."""
    return _is_quoted(line)


def opens_with_attribution(lines: list[str]) -> bool:
    """The body's first line, blank lines aside, is a quote header ("On ... wrote:")."""
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return False
    # A header is read from at most this many lines, so the rest of the body need not be searched.
    window = lines[first : first + _SPREAD_HEADER_LINES + _OUTLOOK_BLOCK_SPAN]
    cut, _, is_quote_header = _history_start(window)
    return cut == 0 and is_quote_header


def history_start(lines: list[str]) -> int:
    """Where the first quote header, separator or header block stands (len(lines) when none does)."""
    return _history_start(lines)[0]
