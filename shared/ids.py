"""Deterministic document ids: the same fact always lands on the same document."""

from __future__ import annotations

import hashlib


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:20]


def mailbox_id(email: str) -> str:
    return f"mb_{_digest(email)}"


def contact_id(email: str) -> str:
    return f"c_{_digest(email)}"


def interaction_id(*, mailbox: str, gmail_message_id: str) -> str:
    return f"{mailbox}_{gmail_message_id}"
