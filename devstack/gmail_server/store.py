"""All server state: the mailboxes, the OAuth grants, quota, injected faults and the watch publisher."""

from __future__ import annotations

import threading
from collections.abc import Callable

from devstack.calendar_server.calendars import CalendarBoard
from devstack.calendar_server.push import WebhookPusher
from devstack.gmail_server import errors, faults
from devstack.gmail_server.faults import FaultBoard
from devstack.gmail_server.mailbox import Mailbox
from devstack.gmail_server.notifier import Notifier
from devstack.gmail_server.oauth import TokenStore
from devstack.gmail_server.quota import Quota

_FIRST_HISTORY_ID = 100_000
# A replaced mailbox starts this far above the old one, so cursors into the old mail answer 404.
_REPLACEMENT_HISTORY_GAP = 100_000

# A fault hook sees (operation, mailbox address) before a Gmail API call and may answer an error instead.
FaultHook = Callable[[str, str], errors.ApiError | None]


class MailStore:
    def __init__(self, *, tokens: TokenStore, notifier: Notifier, quota: Quota | None = None) -> None:
        self.tokens = tokens
        self.notifier = notifier
        self.quota = quota or Quota()
        self.faults = FaultBoard()
        self.fault_hooks: list[FaultHook] = []  # in-process hooks; tests across processes use `faults`
        self._mailboxes: dict[str, Mailbox] = {}
        # Each account's primary calendar: one Google, one grant for Gmail and Calendar alike.
        self.calendar_pusher = WebhookPusher()
        self.calendars = CalendarBoard(self.calendar_pusher)
        self._lock = threading.Lock()

    def replace_mailbox(self, email: str, raws: list[bytes], *, scope: str | None = None) -> tuple[Mailbox, str]:
        """Create or replace a mailbox filled with `raws`; returns it with a new refresh token for `scope`
        (read-only Gmail unless said)."""
        address = email.strip().lower()
        with self._lock:
            previous = self._mailboxes.get(address)
        first_history_id = previous.history_id + _REPLACEMENT_HISTORY_GAP if previous else _FIRST_HISTORY_ID
        mailbox = Mailbox(address, first_history_id=first_history_id, notify=self.notifier.notify)
        mailbox.load(raws)
        with self._lock:
            self._mailboxes[address] = mailbox
        if scope is None:
            return mailbox, self.tokens.issue_refresh_token(address)
        return mailbox, self.tokens.issue_refresh_token(address, scope)

    def mailbox(self, email: str) -> Mailbox:
        with self._lock:
            mailbox = self._mailboxes.get(email.strip().lower())
        if mailbox is None:
            raise errors.not_found(f"No mailbox {email}")
        return mailbox

    def addresses(self) -> list[str]:
        with self._lock:
            return sorted(self._mailboxes)

    def check_faults(self, operation: str, email: str) -> None:
        kind = self.faults.take(email, operation)
        if kind is not None:
            raise faults.api_error(kind)
        for hook in list(self.fault_hooks):
            error = hook(operation, email)
            if error is not None:
                raise error
