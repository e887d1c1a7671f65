"""/pipeline?workspaceId=: GET the deal pipeline's stages; PUT {stages, version} replaces them (admins)."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import Pipeline
from shared.crm.deals import Pipelines
from shared.crm.models import PipelineUpdate
from shared.principals import Role


@operation(
    "GET", "/pipeline", summary="The deal pipeline's stages", answer=Pipeline, minimum=Role.VIEWER, query=WorkspaceQuery
)
def _read(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return Pipelines().get(call.workspace_id)


@operation(
    "PUT",
    "/pipeline",
    summary="Replace the stages (admins)",
    answer=Pipeline,
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
    body=PipelineUpdate,
)
def _replace(call: Call[PipelineUpdate, WorkspaceQuery]) -> dict[str, Any]:
    return Pipelines().update(call.workspace_id, call.principal, call.body)


pipeline = http_function("pipeline", _read, _replace)
