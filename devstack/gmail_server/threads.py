"""Grouping messages into threads the way Gmail does for imported mail."""

from __future__ import annotations

import re

from devstack.gmail_server.ids import thread_id_from_gm_thrid
from devstack.gmail_server.rfc822 import Envelope

_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def normalised_subject(subject: str) -> str:
    return " ".join(_REPLY_PREFIX.sub("", subject).split()).lower()


class ThreadIndex:
    """Assigns thread ids: X-GM-THRID first, then In-Reply-To/References, then subject among the same people.

    Messages should arrive oldest first, but a reply seen before its original still joins it, because
    every Message-ID a message references is remembered for the thread.
    """

    def __init__(self) -> None:
        self._thread_by_message_id: dict[str, str] = {}
        self._thread_by_subject: dict[tuple[str, frozenset[str]], str] = {}

    def assign(self, envelope: Envelope, new_message_id: str) -> str:
        thread_id = self._find(envelope) or new_message_id
        self._remember(envelope, thread_id)
        return thread_id

    def _find(self, envelope: Envelope) -> str | None:
        if envelope.gm_thread_id:
            return thread_id_from_gm_thrid(envelope.gm_thread_id)
        for reference in (envelope.message_id, *envelope.in_reply_to, *reversed(envelope.references)):
            if reference and reference in self._thread_by_message_id:
                return self._thread_by_message_id[reference]
        key = self._subject_key(envelope)
        return self._thread_by_subject.get(key) if key else None

    def _remember(self, envelope: Envelope, thread_id: str) -> None:
        for reference in (envelope.message_id, *envelope.in_reply_to, *envelope.references):
            if reference:
                self._thread_by_message_id.setdefault(reference, thread_id)
        key = self._subject_key(envelope)
        if key:
            self._thread_by_subject.setdefault(key, thread_id)

    @staticmethod
    def _subject_key(envelope: Envelope) -> tuple[str, frozenset[str]] | None:
        subject = normalised_subject(envelope.subject)
        return (subject, envelope.participants) if subject else None
