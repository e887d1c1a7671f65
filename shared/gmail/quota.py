"""One mailbox's Gmail quota, shared by every worker that spends it.

Gmail allows 250 units a second per user. Several fetch tasks (and their threads) may work on one
mailbox at once, in different processes; each books its spending on one schedule kept in
Firestore, so together they stay under the ceiling instead of finding it through 429s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from google.cloud import firestore

from shared.clients import firestore_client
from shared.gmail.mailboxes import MailboxRef
from shared.transactions import transactional

BOOKING_ATTEMPTS = 20  # a booking is a tiny transaction; under contention it just tries again
# Gmail's ceiling is a moving average over a minute, not a hard per-second gate. Time the schedule
# sat unused (a stall between chunks, a slow commit) may be won back, up to this many seconds of
# units: at 95% of the rate that stays under the per-minute limit (0.95 × 61 s < 60 s).
CATCH_UP_SECONDS = 1.0


def book(
    now: float, next_free: float, units: int, units_per_second: float, catch_up: float = CATCH_UP_SECONDS
) -> tuple[float, float]:
    """(when these units may be spent, when the schedule is free again): a token bucket holding
    `catch_up` seconds of units."""
    free = max(next_free, now - catch_up)
    return max(now, free), free + units / units_per_second


class QuotaSchedule:
    def __init__(
        self,
        ref: MailboxRef,
        units_per_second: float,
        *,
        db: firestore.Client | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = units_per_second
        self._db = db or firestore_client()
        self._doc = self._db.document("workspaces", ref.workspace_id, "mailboxes", ref.mailbox_id, "quota", "gmail")
        self._clock = clock
        self._sleep = sleep
        # Threads of one worker book one after another: only other processes contend in Firestore.
        self._booking = threading.Lock()

    def spend(self, units: int) -> None:
        """Waits until `units` fit the mailbox's schedule (0 units/s: no schedule at all)."""
        if not self._rate:
            return

        @transactional
        def reserve(transaction: firestore.Transaction) -> float:
            next_free = float((self._doc.get(transaction=transaction).to_dict() or {}).get("nextFreeAt", 0.0))
            start, after = book(self._clock(), next_free, units, self._rate)
            transaction.set(self._doc, {"nextFreeAt": after})
            return start

        with self._booking:
            start = reserve(self._db.transaction(max_attempts=BOOKING_ATTEMPTS))
        wait = start - self._clock()
        if wait > 0:
            self._sleep(wait)
