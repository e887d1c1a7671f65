"""Email addresses as they appear in headers: parsing, decoding and normalising.

Headers in the wild carry RFC 2047 encoded words, raw 8-bit bytes, stray quotes and
comments. Everything here degrades to "no address" rather than raising.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from email.header import decode_header
from email.utils import getaddresses

from shared.mail.limits import MAX_EMAIL_BYTES, MAX_NAME_CHARS, bounded
from shared.mail.memo import CACHE_SIZE

# A deliberately loose shape check: one "@", no spaces, a dotted or bracketed domain.
_EMAIL_SHAPE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"]+$")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_SPACES = re.compile(r"\s+")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
# Quotes and separators that mail clients leave around display names.
_NAME_WRAPPING = "\"'` \t,;"
_BRACKET_PAIRS = (("(", ")"), ("<", ">"), ("[", "]"))
# Gmail ignores dots in the local part; these domains deliver to the same mailbox.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: a normalised address and the display name shown with it."""

    email: str
    name: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"email": self.email, "name": self.name}


def repair_header_text(value: str) -> str:
    """Undo the surrogate escapes left by the byte parser for raw 8-bit header bytes."""
    if value.isascii() or not _ESCAPED_BYTE.search(value):
        return value
    raw = value.encode("ascii", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words; unknown charsets fall back to a lossy UTF-8 reading."""
    value = repair_header_text(value)
    if "=?" not in value:
        return value
    try:
        chunks = decode_header(value)
    except Exception:  # malformed encoded words: keep the text as written
        return value
    parts: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
            continue
        parts.append(_bytes_to_text(chunk, charset))
    # decode_header drops the whitespace between encoded and plain words inconsistently.
    return "".join(_join_decoded(parts, value))


def _join_decoded(parts: list[str], original: str) -> list[str]:
    if len(parts) <= 1 or not _ENCODED_WORD.search(original):
        return parts
    joined: list[str] = []
    for part in parts:
        if joined and not joined[-1].endswith(" ") and not part.startswith(" "):
            joined.append(" ")
        joined.append(part)
    return joined


def _bytes_to_text(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate or candidate == "unknown-8bit":
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def normalize_email(value: str) -> str | None:
    """Lower-cased bare address, or None when it does not look like an address at all."""
    if len(value) > 4 * MAX_EMAIL_BYTES:  # far too long for an address even before it is cleaned up
        return None
    text = value.strip().strip("<>").strip().strip("'\"").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.rstrip(".").lower()
    if not _EMAIL_SHAPE.match(text):
        return None
    local, _, domain = text.rpartition("@")
    domain = _idna_to_unicode(domain.strip("."))
    if not local or ("." not in domain.strip("[]") and not domain.startswith("[")):
        return None
    email = f"{local}@{domain}"
    return email if len(email.encode("utf-8", "surrogatepass")) <= MAX_EMAIL_BYTES else None


def _idna_to_unicode(domain: str) -> str:
    if "xn--" not in domain:
        return domain
    try:
        return domain.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return domain


def canonical_mailbox(email: str) -> str:
    """The form under which aliases of one mailbox compare equal: no +tag, Gmail without dots."""
    local, _, domain = email.lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def clean_display_name(name: str, email: str | None = None) -> str | None:
    """A display name without wrapping quotes or a repeat of the address; None when empty."""
    # Only the start of an absurdly long name is read: what is kept is cut to MAX_NAME_CHARS anyway.
    text = _SPACES.sub(" ", decode_words(name[: 16 * MAX_NAME_CHARS])).strip(_NAME_WRAPPING)
    text = _unwrap_brackets(text.replace('\\"', '"').replace("\\'", "'").strip(_NAME_WRAPPING))
    if not text:
        return None
    if email and text.lower().strip(_NAME_WRAPPING) == email:
        return None
    if "@" in text and normalize_email(text) is not None:
        return None  # the "name" is just another address
    return bounded(text, MAX_NAME_CHARS)


def _unwrap_brackets(text: str) -> str:
    """ "(John Doe)" -> "John Doe"; brackets inside a name ("Bob (Sales)") stay."""
    for opening, closing in _BRACKET_PAIRS:
        if text.startswith(opening) and text.endswith(closing) and text.count(opening) == 1:
            return text[1:-1].strip(_NAME_WRAPPING)
    return text


# Header values read again from the cache: a mailbox sees the same ones over and over (its own
# address in To, each correspondent's From). Longer ones, such as big recipient lists, are not kept.
_CACHED_HEADER_CHARS = 400


def parse_address_list(header_values: list[str]) -> list[Address]:
    """Every valid address in the given header values, in order, without duplicates."""
    if not header_values:
        return []
    values = tuple(header_values)
    if sum(len(v) for v in values) > _CACHED_HEADER_CHARS:
        return _parse_address_list(values)
    return list(_cached_address_list(values))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached_address_list(header_values: tuple[str, ...]) -> tuple[Address, ...]:
    return tuple(_parse_address_list(header_values))


def _parse_address_list(header_values: tuple[str, ...]) -> list[Address]:
    seen: set[str] = set()
    result: list[Address] = []
    for raw_name, raw_email in _split_addresses(header_values):
        email = normalize_email(decode_words(raw_email))
        if email is None or email in seen:
            continue
        seen.add(email)
        result.append(Address(email=email, name=clean_display_name(raw_name, email)))
    return result


# The everyday single-address header: `Name <a@b.c>`, `"Name" <a@b.c>` or `a@b.c`.
_SIMPLE_ADDRESS = re.compile(
    r'^\s*(?:(?P<name>[^"<>,;:()\\]*?)|"(?P<quoted>[^"\\]*)")\s*<(?P<angle>[^<>\s,;"()]+)>\s*$'
    r'|^\s*(?P<bare>[^<>\s,;"()]+@[^<>\s,;"()]+)\s*$'
)


def _split_addresses(header_values: tuple[str, ...]) -> list[tuple[str, str]]:
    values = [repair_header_text(v) for v in header_values if v]
    if not values:
        return []
    if len(values) == 1:
        simple = _SIMPLE_ADDRESS.match(values[0])
        if simple:  # skips the general parser, which is the slow part of reading headers
            if simple.group("bare"):
                return [("", simple.group("bare"))]
            return [(simple.group("name") or simple.group("quoted") or "", simple.group("angle"))]
    try:
        pairs = getaddresses(values)
    except Exception:  # pathological headers: fall back to a plain scan for addresses
        pairs = []
    if pairs and all(email for _, email in pairs):
        return pairs
    # getaddresses gives up on some broken headers (unbalanced quotes, encoded commas).
    return pairs + _scan_addresses(values)


_LOOSE_ADDRESS = re.compile(r"(?:\"?([^\"<>,;]*)\"?\s*)?<([^<>\s]+@[^<>\s]+)>|([^\s<>,;\"']+@[^\s<>,;\"']+)")


def _scan_addresses(values: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for value in values:
        for match in _LOOSE_ADDRESS.finditer(value):
            if match.group(2):
                found.append(((match.group(1) or "").strip(), match.group(2)))
            else:
                found.append(("", match.group(3)))
    return found
