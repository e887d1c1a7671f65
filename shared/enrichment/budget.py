"""Each workspace's monthly AI budget, and the project's, enforced before any model call.

`workspaces/{ws}/aiUsage/{yyyy-mm}` and, for the whole project, `aiUsage/{yyyy-mm}` (written only
here; no client may read them) hold what the month spent and what calls in flight have reserved. A
call first reserves a true upper bound of its cost on both, and is refused with BudgetExceeded when
spent + reserved + bound would pass either limit; after the call the reservation is replaced by the
actual cost, or charged in full when the outcome is unknown (`settle_unknown`: a timeout, a 5xx, a
crash; and a reservation swept as stale, whose caller died before settling). Amounts are integer
micro-USD.

No transactions: the month's document is every call's, and read-then-write transactions on it from
concurrent calls wait on each other's locks (on the emulator, seconds per call, and they fail
outright once a few calls overlap). A reservation is written first and checked after, so racing
calls see each other. A settle is one batch of increments, made idempotent by creating the
reservation's `settled/{id}` record in the same commit: a second settle, or one for a reservation
swept as stale, fails that create and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from google.api_core import exceptions
from google.cloud import firestore

from shared.clients import firestore_client
from shared.enrichment.model import AiUsage
from shared.errors import BudgetExceeded
from shared.settings import get_settings

MICROS_PER_USD = 1_000_000
# A reservation older than this belongs to a call that died before settling: its money is freed.
STALE_RESERVATION = timedelta(minutes=15)
WORKSPACE_BUDGET_FIELD = "aiMonthlyBudgetUsd"  # optional per-workspace override of the default
PROJECT_USAGE = "aiUsage"  # the project's month documents, at the root
UNATTRIBUTED = "other"  # the feature of a call whose caller named none


@dataclass(frozen=True)
class Reservation:
    workspace_id: str
    month: str
    reservation_id: str
    micros: int
    feature: str = UNATTRIBUTED  # what the call was for (a prompt's name): spend is shown per feature


class Budget(Protocol):
    def reserve(self, workspace_id: str, micros: int, *, feature: str = UNATTRIBUTED) -> Reservation: ...

    def settle(self, reservation: Reservation, usage: AiUsage) -> None: ...

    def release(self, reservation: Reservation) -> None: ...

    def settle_unknown(self, reservation: Reservation) -> None: ...


def month_key(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


class AiBudget:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        default_monthly_usd: float | None = None,
        project_monthly_usd: float | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        settings = get_settings()
        self._db = db or firestore_client()
        self._default_micros = _to_micros(
            settings.ai_monthly_budget_usd if default_monthly_usd is None else default_monthly_usd
        )
        self._project_micros = _to_micros(
            settings.ai_project_monthly_budget_usd if project_monthly_usd is None else project_monthly_usd
        )
        self._now = now

    def usage_ref(self, workspace_id: str, month: str) -> firestore.DocumentReference:
        return self._db.document("workspaces", workspace_id, "aiUsage", month)

    def project_usage_ref(self, month: str) -> firestore.DocumentReference:
        return self._db.document(PROJECT_USAGE, month)

    def reserve(self, workspace_id: str, micros: int, *, feature: str = UNATTRIBUTED) -> Reservation:
        now = self._now()
        reservation = Reservation(workspace_id, month_key(now), uuid.uuid4().hex, micros, feature)
        workspace_ref = self._db.document("workspaces", workspace_id)
        usage_ref, project_ref = (
            self.usage_ref(workspace_id, reservation.month),
            self.project_usage_ref(reservation.month),
        )
        stored = self._read_together([workspace_ref, usage_ref, project_ref])  # one round trip, not three
        ledgers = [
            ("workspace", usage_ref, self._limit_micros(stored[workspace_ref.path] or {})),
            ("project", project_ref, self._project_micros),
        ]
        # A call that cannot fit leaves no trace.
        for scope, ref, limit in ledgers:
            self._check(reservation, scope, limit, self._live_usage(stored[ref.path], reservation, now), adding=micros)
        batch = self._db.batch()
        entry = {"micros": micros, "at": now, "workspaceId": workspace_id, "feature": feature}
        for _, ref, limit in ledgers:
            document = {
                "month": reservation.month,
                "limitMicros": limit,
                "reservations": {reservation.reservation_id: entry},
                "reservedMicros": firestore.Increment(micros),
                # Adding nothing, so that a month's totals read 0 from its first reservation on.
                "spentMicros": firestore.Increment(0),
                "calls": firestore.Increment(0),
                "updatedAt": now,
            }
            batch.set(ref, document, merge=True)
        batch.commit()
        # Reserved first, checked after: calls racing for the last of the budget each see the
        # others' reservations, so together they never pass the limit (at worst both step back).
        try:
            stored = self._read_together([ref for _, ref, _ in ledgers])
            for scope, ref, limit in ledgers:
                self._check(reservation, scope, limit, self._live_usage(stored[ref.path], reservation, now), adding=0)
        except BudgetExceeded:
            self.release(reservation)
            raise
        return reservation

    def _read_together(self, refs: list[firestore.DocumentReference]) -> dict[str, dict[str, Any] | None]:
        """The documents by path (None where there is none), read in one batched get."""
        return {snapshot.reference.path: snapshot.to_dict() for snapshot in self._db.get_all(refs)}

    def _live_usage(self, stored: dict[str, Any] | None, reservation: Reservation, now: datetime) -> dict[str, Any]:
        """A month's usage (its document as read) without reservations gone stale; those are charged in
        full on the way (their callers died before settling, so whether the model ran is unknown)."""
        usage = _usage_doc(stored, reservation.month)
        for stale_id in _drop_stale(usage, now):
            stale = usage["stale"][stale_id]
            owner = str(stale.get("workspaceId") or reservation.workspace_id)
            feature = str(stale.get("feature") or UNATTRIBUTED)
            swept = Reservation(owner, reservation.month, stale_id, int(stale["micros"]), feature)
            self._finish(swept, None, charge=True, swept=True)
            usage["spentMicros"] += swept.micros
        return usage

    @staticmethod
    def _check(reservation: Reservation, scope: str, limit: int, usage: dict[str, Any], *, adding: int) -> None:
        reserved = sum(int(r["micros"]) for r in usage["reservations"].values())
        if usage["spentMicros"] + reserved + adding > limit:
            raise BudgetExceeded(
                f"The {scope}'s AI budget of ${limit / MICROS_PER_USD:.2f} for {reservation.month} cannot "
                f"cover this call (spent ${usage['spentMicros'] / MICROS_PER_USD:.4f}).",
                workspaceId=reservation.workspace_id,
                scope=scope,
                month=reservation.month,
                limitUsd=limit / MICROS_PER_USD,
                spentUsd=usage["spentMicros"] / MICROS_PER_USD,
            )

    def settle(self, reservation: Reservation, usage: AiUsage) -> None:
        """Replaces the reservation by what the call cost. Settling twice changes nothing."""
        self._finish(reservation, usage)

    def release(self, reservation: Reservation) -> None:
        """The call never happened (Google refused it before running the model): free the reservation."""
        self._finish(reservation, None)

    def settle_unknown(self, reservation: Reservation) -> None:
        """The call was sent and no answer came back (a timeout, a 5xx, a crash): it may be billed, so
        it costs its whole reservation, which is a true upper bound."""
        self._finish(reservation, None, charge=True)

    def _finish(
        self, reservation: Reservation, usage: AiUsage | None, *, charge: bool = False, swept: bool = False
    ) -> None:
        """Frees the reservation and adds what the call used, once: the `settled/{id}` record created in
        the same commit fails a second attempt (a redelivery, or a settle after a stale sweep)."""
        usage_ref = self.usage_ref(reservation.workspace_id, reservation.month)
        now = self._now()
        batch = self._db.batch()
        record: dict[str, Any] = {"at": now, "micros": reservation.micros, "swept": swept, "unknown": charge}
        changes: dict[str, Any] = {
            f"reservations.`{reservation.reservation_id}`": firestore.DELETE_FIELD,
            "reservedMicros": firestore.Increment(-reservation.micros),
            "updatedAt": now,
        }
        if usage is not None:
            record["usage"] = usage.model_dump()
            changes |= _usage_increments(usage, reservation.feature)
        elif charge:
            changes |= {name: firestore.Increment(value) for name, value in _unknown_outcome(reservation).items()}
        batch.create(self._settled_ref(usage_ref, reservation.reservation_id), record)
        batch.update(usage_ref, changes)
        batch.update(self.project_usage_ref(reservation.month), changes)
        try:
            batch.commit()
        except exceptions.AlreadyExists:
            return  # settled before (or swept as stale): counting again would double it

    @staticmethod
    def _settled_ref(usage_ref: firestore.DocumentReference, reservation_id: str) -> firestore.DocumentReference:
        return usage_ref.collection("settled").document(reservation_id)

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
        "byFeature": {},
        "reservations": {},
    }
    doc.update(stored or {})
    return doc


def _drop_stale(doc: dict[str, Any], now: datetime) -> list[str]:
    """Moves reservations older than STALE_RESERVATION from `reservations` to `stale`; returns their ids."""
    doc["stale"] = {key: value for key, value in doc["reservations"].items() if now - value["at"] >= STALE_RESERVATION}
    for key in doc["stale"]:
        del doc["reservations"][key]
    return list(doc["stale"])


def _unknown_outcome(reservation: Reservation) -> dict[str, int]:
    feature = f"byFeature.`{reservation.feature}`"
    return {
        "spentMicros": reservation.micros,
        "calls": 1,
        "unknownOutcomes": 1,
        f"{feature}.costMicros": reservation.micros,
        f"{feature}.calls": 1,
    }


def _usage_increments(usage: AiUsage, feature_name: str) -> dict[str, Any]:
    """What one call adds to the month, as field increments (the model's name quoted as a path segment)."""
    model = f"byModel.`{usage.model}`"
    counts = {
        "calls": 1,
        "promptTokens": usage.prompt_tokens,
        "candidateTokens": usage.candidate_tokens,
        "thoughtTokens": usage.thought_tokens,
    }
    increments = {"spentMicros": usage.cost_micros, **counts}
    increments |= {f"{model}.{name}": value for name, value in counts.items()}
    increments[f"{model}.costMicros"] = usage.cost_micros
    feature = f"byFeature.`{feature_name}`"
    increments |= {f"{feature}.costMicros": usage.cost_micros, f"{feature}.calls": 1}
    return {path: firestore.Increment(value) for path, value in increments.items()}
