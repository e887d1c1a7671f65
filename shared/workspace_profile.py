"""What admins change about the workspace itself: its name and its monthly AI budget, and what AI has cost.

Both changes are audited. The month's spend is read from the budget's ledger
(`workspaces/{ws}/aiUsage/{yyyy-mm}`, shared/enrichment/budget.py), which no client may read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.clients import firestore_client
from shared.crm import audit
from shared.enrichment.budget import MICROS_PER_USD, WORKSPACE_BUDGET_FIELD, month_key
from shared.errors import NotFound
from shared.firestore_limits import MAX_WRITES_PER_COMMIT
from shared.principals import Principal
from shared.settings import get_settings
from shared.workspaces import WORKSPACE_NAME_FIELD


def _usd(micros: Any) -> float:
    return round(int(micros or 0) / MICROS_PER_USD, 6)


class WorkspaceProfile:
    def __init__(self, *, db: firestore.Client | None = None, now: Callable[[], datetime] | None = None) -> None:
        self._db = db or firestore_client()
        self._now = now or (lambda: datetime.now(UTC))

    def _workspace(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces").document(workspace_id)

    def _change(
        self, workspace_id: str, actor: Principal, after: dict[str, Any], *, write: dict[str, Any] | None = None
    ) -> None:
        """Sets top-level fields of the workspace document (`write`, or `after` as it is), with their audit
        entry in the same commit."""
        reference = self._workspace(workspace_id)
        snapshot = reference.get()
        if not snapshot.exists:
            raise NotFound("no such workspace", workspaceId=workspace_id)
        stored = snapshot.to_dict() or {}
        before = {name: stored.get(name) for name in after}
        now = self._now()
        batch = self._db.batch()
        batch.update(reference, {**(after if write is None else write), "updatedAt": now})
        audit.record(batch, reference, audit.AuditEntry(actor, "update", "workspace", workspace_id, before, after, now))
        batch.commit()

    def rename(self, workspace_id: str, actor: Principal, name: str) -> dict[str, Any]:
        self._change(workspace_id, actor, {"name": name})
        members = list(self._workspace(workspace_id).collection("members").select([]).stream())
        for start in range(0, len(members), MAX_WRITES_PER_COMMIT):
            batch = self._db.batch()
            for member in members[start : start + MAX_WRITES_PER_COMMIT]:
                batch.update(member.reference, {WORKSPACE_NAME_FIELD: name})
            batch.commit()
        return {"id": workspace_id, "name": name}

    def set_ai_budget(self, workspace_id: str, actor: Principal, monthly_usd: float | None) -> dict[str, Any]:
        """A monthly limit for this workspace's AI calls; None goes back to the project's default."""
        value = firestore.DELETE_FIELD if monthly_usd is None else float(monthly_usd)
        self._change(workspace_id, actor, {WORKSPACE_BUDGET_FIELD: monthly_usd}, write={WORKSPACE_BUDGET_FIELD: value})
        return self.ai_spend(workspace_id)

    def ai_spend(self, workspace_id: str) -> dict[str, Any]:
        """This month: the limit, what was spent and is reserved, and the spend per model and per feature."""
        workspace = self._workspace(workspace_id).get()
        if not workspace.exists:
            raise NotFound("no such workspace", workspaceId=workspace_id)
        override = (workspace.to_dict() or {}).get(WORKSPACE_BUDGET_FIELD)
        custom = isinstance(override, int | float)
        limit_usd = float(override) if isinstance(override, int | float) else get_settings().ai_monthly_budget_usd
        month = month_key(self._now())
        usage = self._workspace(workspace_id).collection("aiUsage").document(month).get().to_dict() or {}
        by_model = [
            {
                "model": model,
                "calls": int(totals.get("calls") or 0),
                "costUsd": _usd(totals.get("costMicros")),
                "promptTokens": int(totals.get("promptTokens") or 0),
                "outputTokens": int(totals.get("candidateTokens") or 0) + int(totals.get("thoughtTokens") or 0),
            }
            for model, totals in (usage.get("byModel") or {}).items()
        ]
        by_feature = [
            {"feature": feature, "calls": int(totals.get("calls") or 0), "costUsd": _usd(totals.get("costMicros"))}
            for feature, totals in (usage.get("byFeature") or {}).items()
        ]
        return {
            "month": month,
            "limitUsd": limit_usd,
            "customLimit": custom,
            "spentUsd": _usd(usage.get("spentMicros")),
            "reservedUsd": _usd(usage.get("reservedMicros")),
            "calls": int(usage.get("calls") or 0),
            "unknownOutcomes": int(usage.get("unknownOutcomes") or 0),
            "byModel": sorted(by_model, key=lambda row: -row["costUsd"]),
            "byFeature": sorted(by_feature, key=lambda row: -row["costUsd"]),
        }
