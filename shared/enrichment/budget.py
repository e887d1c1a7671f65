"""Each workspace's monthly AI budget, enforced before any model call.

`workspaces/{ws}/aiUsage/{yyyy-mm}` (written only here; no client may read it) holds what the month
spent and what calls in flight have reserved. A call first reserves its worst-case cost in a
transaction, which fails with BudgetExceeded when spent + reserved + estimate would pass the limit;
after the call the reservation is replaced by the actual cost. Amounts are integer micro-USD.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from google.cloud import firestore

from shared.clients import firestore_client
from shared.enrichment.model import AiUsage
from shared.errors import BudgetExceeded
from shared.settings import get_settings
from shared.transactions import transactional

MICROS_PER_USD = 1_000_000
# A reservation older than this belongs to a call that died before settling: its money is freed.
STALE_RESERVATION = timedelta(minutes=15)
WORKSPACE_BUDGET_FIELD = "aiMonthlyBudgetUsd"  # optional per-workspace override of the default


@dataclass(frozen=True)
class Reservation:
    workspace_id: str
    month: str
    reservation_id: str
    micros: int


class Budget(Protocol):
    def reserve(self, workspace_id: str, micros: int) -> Reservation: ...

    def settle(self, reservation: Reservation, usage: AiUsage) -> None: ...

    def release(self, reservation: Reservation) -> None: ...


def month_key(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


class AiBudget:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        default_monthly_usd: float | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db or firestore_client()
        self._default_micros = _to_micros(
            get_settings().ai_monthly_budget_usd if default_monthly_usd is None else default_monthly_usd
        )
        self._now = now

    def usage_ref(self, workspace_id: str, month: str) -> firestore.DocumentReference:
        return self._db.document("workspaces", workspace_id, "aiUsage", month)

    def reserve(self, workspace_id: str, micros: int) -> Reservation:
        now = self._now()
        reservation = Reservation(workspace_id, month_key(now), uuid.uuid4().hex, micros)
        usage_ref = self.usage_ref(workspace_id, reservation.month)
        workspace_ref = self._db.document("workspaces", workspace_id)

        @transactional
        def run(transaction: firestore.Transaction) -> None:
            workspace = workspace_ref.get(transaction=transaction).to_dict() or {}
            usage = _usage_doc(usage_ref.get(transaction=transaction).to_dict(), reservation.month)
            limit = self._limit_micros(workspace)
            _drop_stale(usage, now)
            reserved = sum(int(r["micros"]) for r in usage["reservations"].values())
            if usage["spentMicros"] + reserved + micros > limit:
                raise BudgetExceeded(
                    f"The workspace's AI budget of ${limit / MICROS_PER_USD:.2f} for {reservation.month} cannot "
                    f"cover this call (spent ${usage['spentMicros'] / MICROS_PER_USD:.4f}).",
                    workspaceId=workspace_id,
                    month=reservation.month,
                    limitUsd=limit / MICROS_PER_USD,
                    spentUsd=usage["spentMicros"] / MICROS_PER_USD,
                )
            usage["reservations"][reservation.reservation_id] = {"micros": micros, "at": now}
            usage["limitMicros"] = limit
            transaction.set(usage_ref, _with_totals(usage, now))

        run(self._db.transaction())
        return reservation

    def settle(self, reservation: Reservation, usage: AiUsage) -> None:
        """Replaces the reservation by what the call cost. Settling twice changes nothing."""
        self._finish(reservation, usage)

    def release(self, reservation: Reservation) -> None:
        """The call never happened (or Google billed nothing): free the reservation."""
        self._finish(reservation, None)

    def _finish(self, reservation: Reservation, usage: AiUsage | None) -> None:
        usage_ref = self.usage_ref(reservation.workspace_id, reservation.month)
        now = self._now()

        @transactional
        def run(transaction: firestore.Transaction) -> None:
            doc = _usage_doc(usage_ref.get(transaction=transaction).to_dict(), reservation.month)
            if reservation.reservation_id not in doc["reservations"]:
                return  # settled before (or swept as stale): counting again would double it
            del doc["reservations"][reservation.reservation_id]
            if usage is not None:
                _add_usage(doc, usage)
            transaction.set(usage_ref, _with_totals(doc, now))

        run(self._db.transaction())

    def _limit_micros(self, workspace: dict[str, Any]) -> int:
        override = workspace.get(WORKSPACE_BUDGET_FIELD)
        return _to_micros(float(override)) if isinstance(override, int | float) else self._default_micros


def _to_micros(usd: float) -> int:
    return round(usd * MICROS_PER_USD)


def _usage_doc(stored: dict[str, Any] | None, month: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "month": month,
        "spentMicros": 0,
        "calls": 0,
        "promptTokens": 0,
        "candidateTokens": 0,
        "thoughtTokens": 0,
        "byModel": {},
        "reservations": {},
    }
    doc.update(stored or {})
    return doc


def _drop_stale(doc: dict[str, Any], now: datetime) -> None:
    doc["reservations"] = {
        key: value for key, value in doc["reservations"].items() if now - value["at"] < STALE_RESERVATION
    }


def _add_usage(doc: dict[str, Any], usage: AiUsage) -> None:
    doc["spentMicros"] += usage.cost_micros
    doc["calls"] += 1
    doc["promptTokens"] += usage.prompt_tokens
    doc["candidateTokens"] += usage.candidate_tokens
    doc["thoughtTokens"] += usage.thought_tokens
    model = doc["byModel"].setdefault(
        usage.model, {"calls": 0, "promptTokens": 0, "candidateTokens": 0, "thoughtTokens": 0, "costMicros": 0}
    )
    model["calls"] += 1
    model["promptTokens"] += usage.prompt_tokens
    model["candidateTokens"] += usage.candidate_tokens
    model["thoughtTokens"] += usage.thought_tokens
    model["costMicros"] += usage.cost_micros


def _with_totals(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    reserved = sum(int(r["micros"]) for r in doc["reservations"].values())
    return {**doc, "reservedMicros": reserved, "spentUsd": doc["spentMicros"] / MICROS_PER_USD, "updatedAt": now}
