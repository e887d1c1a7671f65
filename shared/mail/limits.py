"""How much of one message Rapport reads and keeps.

Everything a sender controls and Rapport stores is bounded here, so that no message, however
hostile, makes a document over Firestore's limits (1 MiB a document, 1,500 bytes an indexed
value) or costs more than a moment to read. docs/data-model.md lists these limits.
"""

from __future__ import annotations

# Distinct addresses kept across From, To, Cc, Reply-To and Sender. A message with more is bulk
# mail: only its author can become a contact, and the first addresses stand for the rest.
MAX_ADDRESSES = 100
# Of each address header, only this much text is read; a longer header is bulk mail too.
MAX_ADDRESS_HEADER_CHARS = 32 * 1024
MAX_EMAIL_BYTES = 254  # RFC 5321's limit on an address; anything longer is not an address
MAX_NAME_CHARS = 200  # a display name or a signature's name
MAX_SUBJECT_BYTES = 1_000  # stays indexed whole: Firestore cuts indexed values at 1,500 bytes
MAX_MESSAGE_ID_BYTES = 500  # a longer Message-ID is dropped, not cut: a cut id names another message
MAX_SIGNATURE_TEXT_CHARS = 200  # each signature field: title, company, each phone and link
MAX_SIGNATURE_ITEMS = 10  # phones, links
MAX_LABELS = 100
MAX_GMAIL_ID_BYTES = 200  # Gmail's own ids are 16 hex digits; a label id is a short name
# Messages to more people than this are group mail (a workspace setting can change it).
DEFAULT_GROUP_THRESHOLD = 20


def utf8_prefix(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` of at most `max_bytes` UTF-8 bytes, cut between characters.
    Lone surrogates (bytes that were not text) become "?": Firestore accepts only valid UTF-8."""
    if text.isascii():
        return text[:max_bytes]
    data = text.encode("utf-8", "replace")
    if len(data) <= max_bytes:
        return data.decode("utf-8")
    return data[:max_bytes].decode("utf-8", "ignore")


def bounded(text: str | None, max_chars: int) -> str | None:
    """`text` cut to `max_chars` characters, as valid UTF-8; None stays None."""
    if text is None:
        return None
    return utf8_prefix(text[:max_chars], max_chars * 4)


# The reply in context (shared/mail/reply_context.py) as a message stores it for the timeline.
MAX_CONTEXT_BLOCKS = 12  # quotes and runs of the author's lines
MAX_CONTEXT_QUOTE_CHARS = 300  # of each quote, its end: the lines right above the answer
MAX_CONTEXT_TEXT_CHARS = 600  # of each run of the author's lines, its start
MAX_CONTEXT_CHARS = 2_000  # all blocks together
