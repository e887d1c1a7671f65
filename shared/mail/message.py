"""One raw RFC 822 message to a `ParsedMessage`: addresses, dates, threading, body, automation.

`parse_message` never raises: whatever it cannot read is named in `errors` and the rest
of the message is still returned.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from typing import Literal

from shared.mail.addresses import Address, canonical_mailbox, decode_words, parse_address_list, repair_header_text
from shared.mail.automation import automated_reason, is_machine_address, is_role_address
from shared.mail.html_text import html_to_text
from shared.mail.limits import (
    DEFAULT_GROUP_THRESHOLD,
    MAX_ADDRESS_HEADER_CHARS,
    MAX_ADDRESSES,
    MAX_MESSAGE_ID_BYTES,
    MAX_SUBJECT_BYTES,
    utf8_prefix,
)

# Gmail refuses mail over 25 MB once encoded; anything far larger is not worth parsing whole.
MAX_RAW_BYTES = 40 * 1024 * 1024
# Bodies beyond this are cut before decoding: extraction only needs the top of the text.
MAX_BODY_BYTES = 512 * 1024
MAX_MIME_PARTS = 200

ADDRESS_HEADERS = ("from", "to", "cc", "reply-to", "sender")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_SPACES = re.compile(r"\s+")
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")
# Dates the standard parser rejects, seen in real mail: "Mon, 3 Jan 2022 10:00:00 +0100 (CET)".
_TRAILING_COMMENT = re.compile(r"\s*\([^)]*\)\s*$")
_MONTHS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
    "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip
# RFC 5322's date, "Mon, 2 Mar 2026 10:00:00 +0100", as clients write it (a four-digit year).
_PLAIN_DATE = re.compile(
    rf"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{{1,2}}) ({'|'.join(_MONTHS)}) ([1-9][0-9]{{3}}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"
)

# compat32 keeps header values as written, so nothing is decoded (or lost) before we look at it.
_PARSER = BytesParser(policy=compat32)
# The first empty line, which ends the headers; atomic groups keep "\r\n" one line end.
_HEADER_END = re.compile(rb"(?>\r\n|\r|\n)(?>\r\n|\r|\n)")
# Every match of _HEADER_END holds one of these pairs at its start or one byte after it. Starting
# with a literal, this pattern is scanned for at the C loop's speed, where _HEADER_END is tried at
# every byte of the headers.
_HEADER_END_HINT = re.compile(rb"\n[\r\n]|\r\r")
# A header line as the feed parser reads one: a field name of printable ASCII but ":", then ":".
_FIELD_NAME = re.compile(r"[\041-\071\073-\176]+:")

Role = Literal["from", "to", "cc", "reply-to", "sender"]
Direction = Literal["inbound", "outbound"]


@dataclass(frozen=True, slots=True)
class Participant:
    """A non-owner person on the message and every header they appeared in."""

    address: Address
    roles: tuple[Role, ...]
    role_account: bool = False  # a shared mailbox such as sales@ rather than a person

    @property
    def email(self) -> str:
        return self.address.email


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str | None = None
    subject: str = ""
    date: datetime | None = None
    from_: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    sender: list[Address] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    text: str = ""
    body_source: Literal["plain", "html", "none"] = "none"
    participants: list[Participant] = field(default_factory=list)
    direction: Direction = "inbound"
    automated: bool = False
    automated_reason: str | None = None
    group_mail: bool = False
    recipient_count: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def author(self) -> Address | None:
        """Who wrote the message: the first From address, else the Sender."""
        senders = self.from_ or self.sender
        return senders[0] if senders else None


def parse_message(
    raw: bytes,
    *,
    owner_addresses: frozenset[str] = frozenset(),
    gmail_labels: frozenset[str] = frozenset(),
    group_threshold: int = DEFAULT_GROUP_THRESHOLD,
) -> ParsedMessage:
    """Parse one raw message. `owner_addresses` are the mailbox's own addresses and aliases."""
    errors: list[str] = []
    try:
        return _parse(raw, owner_addresses, gmail_labels, group_threshold, errors)
    except Exception as exc:  # the contract is to never raise; report what broke instead
        errors.append(f"unparseable message: {type(exc).__name__}: {exc}"[:300])
        return ParsedMessage(errors=errors)


def _parse(
    raw: bytes,
    owner_addresses: frozenset[str],
    gmail_labels: frozenset[str],
    group_threshold: int,
    errors: list[str],
) -> ParsedMessage:
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = str(raw).encode("utf-8", "replace")
    if len(raw) > MAX_RAW_BYTES:
        errors.append(f"message truncated from {len(raw)} bytes")
        raw = bytes(raw[:MAX_RAW_BYTES])
    message = _read(bytes(raw))
    errors.extend(sorted({type(defect).__name__ for defect in message.defects}))

    raw_headers = _raw_headers(message)
    headers = _first_headers(raw_headers)
    values, overflow = _address_values(raw_headers)
    addresses = {name: parse_address_list(header_values) for name, header_values in values.items()}
    owners = frozenset(canonical_mailbox(a) for a in owner_addresses)
    text, source = _best_text(message, errors)
    recipients = {a.email for a in addresses["to"] + addresses["cc"]}
    senders = addresses["from"] or addresses["sender"]
    # Everyone on it but its author, whichever header names them: Reply-To and Sender count too.
    others = {a.email for header in ADDRESS_HEADERS for a in addresses[header]} - {a.email for a in senders[:1]}
    participants = _participants(addresses, owners)
    bulk = overflow or len(others) + 1 > MAX_ADDRESSES
    if bulk:
        errors.append(f"more than {MAX_ADDRESSES} addresses; read as bulk mail, the first {MAX_ADDRESSES} kept")
    reason = automated_reason(
        headers, [a.email for a in addresses["from"] + addresses["sender"]], frozenset(gmail_labels)
    )
    subject = _SPACES.sub(" ", decode_words(headers.get("subject", "")[: 16 * MAX_SUBJECT_BYTES])).strip()
    return ParsedMessage(
        message_id=_first_id(headers.get("message-id")),
        subject=utf8_prefix(subject, MAX_SUBJECT_BYTES),
        date=_parse_date(headers.get("date"), errors),
        from_=addresses["from"],
        to=addresses["to"],
        cc=addresses["cc"],
        reply_to=addresses["reply-to"],
        sender=addresses["sender"],
        in_reply_to=_first_id(headers.get("in-reply-to")),
        references=_MESSAGE_ID.findall(headers.get("references", "")),
        text=text,
        body_source=source,
        participants=participants[:MAX_ADDRESSES],
        direction=_direction(addresses["from"], owners),
        automated=reason is not None,
        automated_reason=reason,
        group_mail=bulk or len(others) > group_threshold,
        recipient_count=len(recipients),
        errors=errors,
    )


def _read(raw: bytes) -> Message:
    """The message as the stdlib's compat32 parser reads it, read faster when it is single-part."""
    return _read_single_part(raw) or _PARSER.parsebytes(raw)


def _read_single_part(raw: bytes) -> Message | None:
    """A single-part message with well-formed headers, built as the feed parser would build it.

    The feed parser is the most costly part of reading ordinary mail: it walks every header
    and body line through generators. Here the header lines are split and paired the same
    way (compat32's own `header_source_parse`), the body is set as the parser sets it, and
    decoding it (`get_payload(decode=True)`: base64, quoted-printable, 8-bit) stays the
    stdlib's. Anything else (multipart, attached messages, a header line the parser would
    flag as a defect) returns None for the full parser.
    """
    end = _header_end(raw)
    if end is None:
        return None
    fields: list[list[str]] = []
    for line in raw[: end.end()].splitlines(keepends=True)[:-1]:  # bytes split at \r, \n, \r\n only
        text = line.decode("ascii", "surrogateescape")
        if text[0] in " \t" and fields:
            fields[-1].append(text)  # a folded continuation line
        elif _FIELD_NAME.match(text):
            fields.append([text])
        else:
            return None
    message = Message(policy=compat32)
    content_type: str | None = None
    for source_lines in fields:
        name, value = compat32.header_source_parse(source_lines)
        message.set_raw(name, value)
        if content_type is None and name.lower() == "content-type":
            content_type = value
    if _main_type(message, content_type) in ("multipart", "message"):
        return None
    message.set_payload(raw[end.end() :].decode("ascii", "surrogateescape"))
    return message


def _main_type(message: Message, content_type: str | None) -> str:
    """`message.get_content_maintype()` from the message's first Content-Type value, read as compat32
    reads it (text/plain when it is missing or malformed); the stdlib's own reading for a value with
    8-bit bytes, which it turns into a Header first."""
    if content_type is None:
        return "text"
    if not content_type.isascii():
        return message.get_content_maintype()
    return _content_type(content_type).partition("/")[0]


def _header_end(raw: bytes) -> re.Match[bytes] | None:
    """`_HEADER_END.search(raw)`, started one byte before the first pair that can open a match."""
    hint = _HEADER_END_HINT.search(raw)
    return _HEADER_END.search(raw, max(0, hint.start() - 1)) if hint else None


def _raw_headers(message: Message) -> list[tuple[str, str]]:
    """(lower-cased name, unfolded value) in order, with raw 8-bit bytes repaired.

    raw_items() skips compat32's own header decoding, which turns 8-bit bytes into U+FFFD.
    """
    return [(str(name).strip().lower(), _unfold(repair_header_text(str(value)))) for name, value in message.raw_items()]


def _unfold(value: str) -> str:
    return _UNFOLD.sub(" ", value) if "\n" in value else value


def _first_headers(raw_headers: list[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        headers.setdefault(name, value)
    return headers


def _address_values(raw_headers: list[tuple[str, str]]) -> tuple[dict[str, list[str]], bool]:
    """Every value of each address header, in order, read in one pass over the headers; and whether
    a header held more text than is read (MAX_ADDRESS_HEADER_CHARS), which makes the message bulk mail."""
    values: dict[str, list[str]] = {name: [] for name in ADDRESS_HEADERS}
    room = dict.fromkeys(ADDRESS_HEADERS, MAX_ADDRESS_HEADER_CHARS)
    overflow = False
    for name, value in raw_headers:
        if name not in values or room[name] <= 0:
            overflow = overflow or name in values
            continue
        if len(value) > room[name]:
            # Cut after the last whole address that fits; what follows is never read.
            value, overflow = value[: value.rfind(",", 0, room[name]) + 1], True
        values[name].append(value)
        room[name] -= len(value)
    return values, overflow


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    value = value[: 4 * MAX_MESSAGE_ID_BYTES]  # the first id is at the start; no id is longer
    match = _MESSAGE_ID.search(value)
    found = match.group(0) if match else value.strip()
    # Too long to be an id anyone wrote: dropped, as a cut one would name another message.
    return found if found and len(found.encode("utf-8", "surrogatepass")) <= MAX_MESSAGE_ID_BYTES else None


def _parse_date(value: str | None, errors: list[str]) -> datetime | None:
    if not value:
        return None
    for retry in (False, True):
        try:  # the comment is cut only when needed: the pattern is tried at every position
            parsed = _date_of((_TRAILING_COMMENT.sub("", value) if retry else value).strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        # "-0000" means the zone is unknown: read it as UTC, like Gmail does.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    errors.append(f"unreadable Date header: {value[:80]!r}")
    return None


def _date_of(text: str) -> datetime:
    """`parsedate_to_datetime(text)`, with the form nearly every client writes read directly:
    the stdlib's general parser is pure Python and took a tenth of reading a message."""
    match = _PLAIN_DATE.fullmatch(text)
    if match is None:
        return parsedate_to_datetime(text)
    day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
    offset = int(zone_hours) * 3600 + int(zone_minutes) * 60  # "+0160" is two hours, as the stdlib reads it
    # "-0000" is no zone at all: a naive time, as the stdlib returns it.
    zone = None if sign == "-" and not offset else timezone(timedelta(seconds=-offset if sign == "-" else offset))
    return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=zone)


def _direction(senders: list[Address], owners: frozenset[str]) -> Direction:
    if owners and any(canonical_mailbox(a.email) in owners for a in senders):
        return "outbound"
    return "inbound"


def _participants(addresses: dict[str, list[Address]], owners: frozenset[str]) -> list[Participant]:
    """Every human, non-owner address once, with the headers it appeared in (in header order)."""
    order: list[str] = []
    names: dict[str, Address] = {}
    roles: dict[str, list[Role]] = {}
    for header in ADDRESS_HEADERS:
        for address in addresses[header]:
            if (owners and canonical_mailbox(address.email) in owners) or is_machine_address(address.email):
                continue
            if address.email not in names:
                order.append(address.email)
                names[address.email] = address
                roles[address.email] = []
            elif names[address.email].name is None and address.name:
                names[address.email] = address  # keep the first display name we see
            if header not in roles[address.email]:
                roles[address.email].append(header)  # type: ignore[arg-type]
    return [Participant(names[e], tuple(roles[e]), is_role_address(e)) for e in order]


# ---- bodies -------------------------------------------------------------------------------


def _best_text(message: Message, errors: list[str]) -> tuple[str, Literal["plain", "html", "none"]]:
    """The first inline text/plain part, else the first text/html part converted to text."""
    plain: str | None = None
    markup: str | None = None
    for part, content_type, charset in _leaf_parts(message, errors):
        if content_type == "text/plain" and plain is None:
            plain = _decode_part(part, charset, errors)
        elif content_type == "text/html" and markup is None:
            markup = _decode_part(part, charset, errors)
        if plain is not None:
            break
    if plain is not None and plain.strip():
        return _normalise_newlines(plain), "plain"
    if markup is not None:
        return html_to_text(markup), "html"
    return (_normalise_newlines(plain), "plain") if plain is not None else ("", "none")


def _leaf_parts(message: Message, errors: list[str]) -> Iterator[tuple[Message, str, str | None]]:
    """(part, content type, charset) of inline leaf parts in document order, not descending
    into attached messages. Headers are read once per part: Message.get scans them all."""
    stack: list[Message] = [message]
    seen = 0
    while stack:
        part = stack.pop()
        seen += 1
        if seen > MAX_MIME_PARTS:
            errors.append(f"more than {MAX_MIME_PARTS} MIME parts; the rest were skipped")
            return
        headers = _part_headers(part)
        content_type = _content_type(headers.get("content-type", ""))
        if part.is_multipart():
            payload = part.get_payload()
            children = [child for child in payload if isinstance(child, Message)] if isinstance(payload, list) else []
            if content_type != "message/rfc822":
                stack.extend(reversed(children))
            continue
        if headers.get("content-disposition", "").split(";", 1)[0].strip().lower() != "attachment":
            yield part, content_type, _charset(headers.get("content-type", ""))


def _part_headers(part: Message) -> dict[str, str]:
    """The first content-type and content-disposition of a part (the only fields read of it)."""
    headers: dict[str, str] = {}
    for name, value in part.raw_items():
        key = str(name).strip().lower()
        if key in _PART_FIELDS and key not in headers:
            headers[key] = _unfold(str(value))
    return headers


_PART_FIELDS = frozenset({"content-type", "content-disposition"})


def _content_type(value: str) -> str:
    """The media type as compat32 reads it: text/plain when missing or malformed."""
    media = value.split(";", 1)[0].strip().lower()
    return media if media.count("/") == 1 else "text/plain"


_CHARSET_PARAM = re.compile(r"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;]+))""", re.IGNORECASE)


def _charset(content_type: str) -> str | None:
    match = _CHARSET_PARAM.search(content_type)
    if not match:
        return None
    charset = (match.group(1) or match.group(2) or match.group(3) or "").strip().lower()
    return charset or None


def _decode_part(part: Message, charset: str | None, errors: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        errors.append(f"undecodable body part: {type(exc).__name__}")
        return ""
    if not isinstance(payload, bytes):
        return ""
    if len(payload) > MAX_BODY_BYTES:
        errors.append(f"body part truncated from {len(payload)} bytes")
        payload = payload[:MAX_BODY_BYTES]
    return _bytes_to_text(payload, charset, errors)


# Labels mail clients put in Content-Type that Python's codec registry does not know.
_CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "ks_c_5601-1987": "cp949",
    "x-mac-roman": "mac_roman",
    "windows-874": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
}


def _bytes_to_text(payload: bytes, charset: str | None, errors: list[str]) -> str:
    declared = _CHARSET_ALIASES.get(charset or "", charset)
    if declared and _codec_exists(declared) is False:
        errors.append(f"unknown charset {declared!r}")
        declared = None
    # Strict first (a mislabelled part is often really UTF-8), then the label with replacement,
    # then cp1252, which undeclared 8-bit Western mail nearly always is; latin-1 never fails.
    attempts = [(declared, "strict"), ("utf-8", "strict"), (declared, "replace"), ("cp1252", "strict")]
    for codec, mode in attempts:
        text = _try_decode(payload, codec, mode) if codec else None
        if text is not None:
            return text
    return payload.decode("latin-1")


def _codec_exists(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _try_decode(payload: bytes, codec: str, mode: str) -> str | None:
    try:
        return payload.decode(codec, errors=mode)
    except (LookupError, UnicodeError, ValueError, TypeError):  # some codecs fail oddly on odd bytes
        return None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
