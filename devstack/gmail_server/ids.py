"""Identifiers shaped like Gmail's: 16 hex digits for messages and threads, opaque strings for tokens."""

from __future__ import annotations

import hashlib
import secrets

_MAX_MILLIS = (1 << 43) - 1
_LOW_BITS = 20


def message_id(internal_ms: int, raw: bytes, attempt: int = 0) -> str:
    """A time-ordered id derived from the message, so reloading the same mail yields the same ids."""
    millis = min(max(internal_ms, 0), _MAX_MILLIS)
    digest = hashlib.blake2b(raw, digest_size=4).digest()
    low = (int.from_bytes(digest, "big") + attempt) & ((1 << _LOW_BITS) - 1)
    return f"{(millis << _LOW_BITS) | low:016x}"


def thread_id_from_gm_thrid(value: str) -> str:
    """Takeout's X-GM-THRID is the decimal form of Gmail's hexadecimal thread id."""
    value = value.strip()
    if value.isdigit():
        return f"{int(value) & ((1 << 64) - 1):016x}"
    return value.lower()


def refresh_token() -> str:
    return "1//0" + secrets.token_urlsafe(48)


def access_token() -> str:
    return "ya29." + secrets.token_urlsafe(64)


def authorization_code() -> str:
    return "4/0" + secrets.token_urlsafe(32)


def is_message_id(value: str) -> bool:
    return 0 < len(value) <= 16 and all(ch in "0123456789abcdef" for ch in value)
