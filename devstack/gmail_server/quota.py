"""Gmail's per-user quota: unit costs per method, a sliding-window ceiling, and usage counters per mailbox.

Google states 15,000 units per user per minute, a 250 units/s moving average that allows short
bursts. The ceiling here is `units_per_second * window_seconds` units in any window; the default
60 s window is that per-minute limit. A 1 s window (`--quota-window-seconds 1`) is stricter than
Gmail and refuses any burst above 250 units in a second.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from devstack.gmail_server import errors

# Gmail's published costs (developers.google.com/gmail/api/reference/quota); batch parts pay their own.
UNIT_COSTS = {
    "users.getProfile": 1,
    "users.messages.get": 5,
    "users.messages.list": 5,
    "users.messages.attachments.get": 5,
    "users.messages.send": 100,
    "users.history.list": 2,
    "users.drafts.create": 10,
    "users.drafts.list": 5,
    "users.drafts.get": 5,
    "users.watch": 100,
    "users.stop": 100,
}
_UNLISTED_COST = 5
DEFAULT_UNITS_PER_SECOND = 250.0
DEFAULT_WINDOW_SECONDS = 60.0


def cost_of(operation: str) -> int:
    return UNIT_COSTS.get(operation, _UNLISTED_COST)


@dataclass
class QuotaSettings:
    enabled: bool = False
    units_per_second: float = DEFAULT_UNITS_PER_SECOND
    window_seconds: float = DEFAULT_WINDOW_SECONDS

    @property
    def ceiling(self) -> float:
        return self.units_per_second * self.window_seconds

    def as_json(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "unitsPerSecond": self.units_per_second,
            "windowSeconds": self.window_seconds,
        }


@dataclass
class _Ledger:
    """One mailbox: its switch, its counters, and the accepted calls still inside the window."""

    enabled: bool | None = None  # None follows the global switch
    units: int = 0
    calls: int = 0
    rejected: int = 0
    first_call_at: float | None = None
    last_call_at: float | None = None
    recent: deque[tuple[float, int]] = field(default_factory=deque)
    recent_units: int = 0

    def forget_before(self, horizon: float) -> None:
        while self.recent and self.recent[0][0] <= horizon:
            self.recent_units -= self.recent.popleft()[1]

    def seconds_until_room(self, cost: int, ceiling: float, window: float, now: float) -> float:
        excess = self.recent_units + cost - ceiling
        for spent_at, units in self.recent:
            excess -= units
            if excess <= 0:
                return spent_at + window - now
        return window  # the call costs more than the whole ceiling: it never fits


class Quota:
    """Thread-safe quota accounting for every mailbox, keyed by address."""

    def __init__(
        self,
        settings: QuotaSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or QuotaSettings()
        self._clock = clock
        self._wall_clock = wall_clock
        self._ledgers: dict[str, _Ledger] = {}
        self._lock = threading.Lock()

    def configure(
        self,
        *,
        enabled: bool | None = None,
        units_per_second: float | None = None,
        window_seconds: float | None = None,
    ) -> QuotaSettings:
        with self._lock:
            if enabled is not None:
                self.settings.enabled = enabled
            if units_per_second is not None:
                self.settings.units_per_second = units_per_second
            if window_seconds is not None:
                self.settings.window_seconds = window_seconds
            return QuotaSettings(**vars(self.settings))

    def set_mailbox(self, email: str, enabled: bool | None) -> None:
        with self._lock:
            self._ledger(email).enabled = enabled

    def is_enforced(self, email: str) -> bool:
        with self._lock:
            override = self._ledger(email).enabled
            return self.settings.enabled if override is None else override

    def charge(self, email: str, operation: str) -> None:
        """Count one call; raise Gmail's 429 when the mailbox's quota is on and the call would exceed it."""
        cost = cost_of(operation)
        with self._lock:
            ledger = self._ledger(email)
            now, wall = self._clock(), self._wall_clock()
            ledger.first_call_at = ledger.first_call_at or wall
            ledger.last_call_at = wall
            window, ceiling = self.settings.window_seconds, self.settings.ceiling
            ledger.forget_before(now - window)
            enforced = self.settings.enabled if ledger.enabled is None else ledger.enabled
            if enforced and ledger.recent_units + cost > ceiling:
                ledger.rejected += 1
                wait = ledger.seconds_until_room(cost, ceiling, window, now)
                raise _rate_limited(wall, wait)
            ledger.units += cost
            ledger.calls += 1
            ledger.recent.append((now, cost))
            ledger.recent_units += cost

    def usage(self, email: str) -> dict[str, object]:
        with self._lock:
            ledger = self._ledger(email)
            return {
                "units": ledger.units,
                "calls": ledger.calls,
                "rejected": ledger.rejected,
                "window_seconds": self.settings.window_seconds,
                "first_call_at": ledger.first_call_at,
                "last_call_at": ledger.last_call_at,
            }

    def reset(self, email: str) -> None:
        """Zero the counters and empty the window; the mailbox's switch stays as it was."""
        with self._lock:
            enabled = self._ledger(email).enabled
            self._ledgers[email.lower()] = _Ledger(enabled=enabled)

    def _ledger(self, email: str) -> _Ledger:
        return self._ledgers.setdefault(email.lower(), _Ledger())


def _rate_limited(wall: float, wait_seconds: float) -> errors.ApiError:
    retry_at = datetime.fromtimestamp(wall, UTC) + timedelta(seconds=max(wait_seconds, 0.0))
    iso = retry_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    # Retry-After is whole seconds; rounding up keeps a client that honours it inside the quota.
    return errors.user_rate_limited(iso, max(1, math.ceil(wait_seconds)))
