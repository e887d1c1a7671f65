"""/ai-spend?workspaceId=: GET this month's AI spend, by model and by feature, against the limit; PUT
{monthlyBudgetUsd} sets the workspace's monthly limit (null: the project's default). Admins only."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import Answer
from shared.crm.models import ApiModel
from shared.principals import Role
from shared.workspace_profile import WorkspaceProfile


class AiBudgetChange(ApiModel):
    monthly_budget_usd: float | None = Field(ge=0, le=100_000, description="USD a month; null for the default.")


class ModelSpend(Answer):
    model: str
    calls: int
    cost_usd: float


class FeatureSpend(Answer):
    feature: str
    calls: int
    cost_usd: float


class AiSpend(Answer):
    month: str
    limit_usd: float
    custom_limit: bool
    spent_usd: float
    reserved_usd: float
    calls: int
    by_model: list[ModelSpend]
    by_feature: list[FeatureSpend]


@operation(
    "GET",
    "/ai-spend",
    summary="This month's AI spend by model and feature (admins)",
    answer=AiSpend,
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
)
def _read(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return WorkspaceProfile().ai_spend(call.workspace_id)


@operation(
    "PUT",
    "/ai-spend",
    summary="Set the workspace's monthly AI budget (admins)",
    answer=AiSpend,
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
    body=AiBudgetChange,
)
def _set(call: Call[AiBudgetChange, WorkspaceQuery]) -> dict[str, Any]:
    return WorkspaceProfile().set_ai_budget(call.workspace_id, call.principal, call.body.monthly_budget_usd)


ai_spend = http_function("ai_spend", _read, _set)
