"""Reading RFC 822 messages robustly: cheap envelope headers at load time, the full MIME tree on demand.

compat32 parsing is used throughout because it never raises on malformed input and is several times
faster than the modern email policy; decoding is done here with explicit fallbacks instead.
"""

from __future__ import annotations

import base64
import email
import email.errors
import email.header
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass
from datetime import UTC
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any

_HEADER_PARSER = BytesHeaderParser(policy=email.policy.compat32)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_HTML_DROP = re.compile(r"<(style|script|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")
SNIPPET_CHARS = 200
# Bodies longer than this are not searched further; it keeps query time bounded on huge messages.
SEARCH_TEXT_CHARS = 100_000


@dataclass(frozen=True)
class Envelope:
    """The headers the server needs for labels, threads, ordering and search, decoded once at load."""

    sender: str
    sender_address: str
    to: str
    cc: str
    bcc: str
    recipient_addresses: frozenset[str]
    subject: str
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date_ms: int | None
    gmail_labels: tuple[str, ...] | None
    gm_thread_id: str | None

    @property
    def participants(self) -> frozenset[str]:
        return self.recipient_addresses | {self.sender_address}


@dataclass(frozen=True)
class ParsedMessage:
    """The full parse of one message: the Gmail MessagePart tree, plain text and attachment bodies."""

    payload: dict[str, Any]
    text: str
    attachments: dict[str, bytes]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def decode_header_value(raw: str) -> str:
    """Unfold a raw header value and decode RFC 2047 words and stray 8-bit bytes, never raising."""
    value = _FOLD.sub("", raw).strip()
    value = _repair_surrogates(value)
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return _decode_words_leniently(value)


def _repair_surrogates(value: str) -> str:
    # compat32 maps 8-bit header bytes to surrogates; they are UTF-8 when they decode as such, else Latin-1.
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")


def _decode_words_leniently(value: str) -> str:
    pieces: list[str] = []
    try:
        parts = email.header.decode_header(value)
    except (ValueError, email.errors.HeaderParseError):
        return value
    for data, charset in parts:
        if isinstance(data, str):
            pieces.append(data)
        else:
            pieces.append(decode_bytes(data, charset))
    return "".join(pieces)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text in its declared charset, falling back to UTF-8 and then Latin-1 for unknown or lying ones."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeError):
            continue
    return data.decode("latin-1")


def header_block(raw: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end != -1:
            return raw[: end + len(separator)]
    return raw


def read_envelope(raw: bytes) -> Envelope:
    headers = _HEADER_PARSER.parsebytes(header_block(raw))
    values = _first_values(headers)
    sender = values.get("from", "")
    to, cc, bcc = values.get("to", ""), values.get("cc", ""), values.get("bcc", "")
    labels = values.get("x-gmail-labels")
    return Envelope(
        sender=sender,
        sender_address=_first_address(sender),
        to=to,
        cc=cc,
        bcc=bcc,
        recipient_addresses=frozenset(_addresses(to, cc, bcc)),
        subject=values.get("subject", ""),
        message_id=_first_message_id(values.get("message-id", "")),
        in_reply_to=tuple(_MESSAGE_ID.findall(values.get("in-reply-to", ""))),
        references=tuple(_MESSAGE_ID.findall(values.get("references", ""))),
        date_ms=parse_date_ms(values.get("date", "")),
        gmail_labels=None if labels is None else tuple(name.strip() for name in labels.split(",") if name.strip()),
        gm_thread_id=values.get("x-gm-thrid") or None,
    )


def _first_values(headers: Message) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, raw in headers.raw_items():
        key = name.lower()
        if key not in values:
            values[key] = decode_header_value(str(raw))
    return values


def _addresses(*fields: str) -> list[str]:
    return [address.lower() for _, address in email.utils.getaddresses(list(fields)) if "@" in address]


def _first_address(field: str) -> str:
    found = _addresses(field)
    return found[0] if found else field.strip().lower()


def _first_message_id(field: str) -> str:
    match = _MESSAGE_ID.search(field)
    return match.group(0) if match else field.strip()


def parse_date_ms(value: str) -> int | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return int(parsed.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        return None


def parse_message(raw: bytes, attachment_id_for: Any) -> ParsedMessage:
    """Build Gmail's MessagePart tree; `attachment_id_for(part_id)` names attachment bodies."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    attachments: dict[str, bytes] = {}
    texts: list[tuple[bool, str]] = []
    payload = _part_resource(message, "", attachment_id_for, attachments, texts)
    return ParsedMessage(payload=payload, text=_first_text(texts), attachments=attachments)


def _part_resource(
    part: Message, part_id: str, attachment_id_for: Any, attachments: dict[str, bytes], texts: list[tuple[bool, str]]
) -> dict[str, Any]:
    mime_type = _content_type(part)
    filename = _filename(part)
    resource: dict[str, Any] = {
        "partId": part_id,
        "mimeType": mime_type,
        "filename": filename,
        "headers": [{"name": name, "value": decode_header_value(str(value))} for name, value in part.raw_items()],
    }
    if mime_type.startswith("multipart/") and part.is_multipart():
        resource["body"] = {"size": 0}
        children = part.get_payload()
        resource["parts"] = [
            _part_resource(child, _child_id(part_id, index), attachment_id_for, attachments, texts)
            for index, child in enumerate(children if isinstance(children, list) else [])
            if isinstance(child, Message)
        ]
        return resource
    data = _leaf_bytes(part)
    if filename:
        attachment_id = attachment_id_for(part_id)
        attachments[attachment_id] = data
        resource["body"] = {"attachmentId": attachment_id, "size": len(data)}
        return resource
    resource["body"] = {"size": len(data), "data": b64url(data)} if data else {"size": 0}
    if mime_type in ("text/plain", "text/html"):
        is_html = mime_type == "text/html"
        texts.append((is_html, _as_text(data, part.get_content_charset(), html_markup=is_html)))
    return resource


def _child_id(parent: str, index: int) -> str:
    return f"{parent}.{index}" if parent else str(index)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except (ValueError, IndexError):
        return "text/plain"


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except (ValueError, IndexError, LookupError, UnicodeError):
        return ""
    return decode_header_value(name) if name else ""


def _leaf_bytes(part: Message) -> bytes:
    if part.is_multipart():
        # message/rfc822 and broken multiparts: the body is the enclosed bytes, as an attachment would hold them.
        inner = part.get_payload()
        if isinstance(inner, list):
            return b"".join(child.as_bytes() for child in inner if isinstance(child, Message))
        return b""
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _as_text(data: bytes, charset: str | None, *, html_markup: bool) -> str:
    text = decode_bytes(data[: SEARCH_TEXT_CHARS * 4], charset)
    if html_markup:
        text = html.unescape(_HTML_TAG.sub(" ", _HTML_DROP.sub(" ", text)))
    return text[:SEARCH_TEXT_CHARS]


def _first_text(texts: list[tuple[bool, str]]) -> str:
    # Plain text wins over HTML, as in Gmail's snippets; otherwise the first part in document order.
    plain = [text for is_html, text in texts if not is_html]
    return (plain or [text for _, text in texts] or [""])[0]


def snippet_of(text: str) -> str:
    collapsed = " ".join(text.split())[:SNIPPET_CHARS]
    # Gmail's snippets are HTML-escaped, with apostrophes as &#39;.
    return html.escape(collapsed, quote=True).replace("&#x27;", "&#39;")
