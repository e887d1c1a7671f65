"""/notification-settings?workspaceId=: GET which kinds of notification you get; PUT {enabled: {kind: bool}}
turns kinds on or off for you alone."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import Answer
from shared.crm.models import ApiModel
from shared.notifications import NotificationKind, Notifications
from shared.principals import Role


class NotificationChoice(ApiModel):
    enabled: dict[NotificationKind, bool] = Field(description="Kinds to turn on (true) or off (false).")


class NotificationSettings(Answer):
    enabled: dict[str, bool]


@operation(
    "GET",
    "/notification-settings",
    summary="The kinds of notification you get",
    answer=NotificationSettings,
    minimum=Role.VIEWER,
    query=WorkspaceQuery,
)
def _read(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return {"enabled": Notifications().settings(call.workspace_id, call.principal.uid)}


@operation(
    "PUT",
    "/notification-settings",
    summary="Turn kinds of notification on or off for yourself",
    answer=NotificationSettings,
    minimum=Role.VIEWER,
    query=WorkspaceQuery,
    body=NotificationChoice,
)
def _choose(call: Call[NotificationChoice, WorkspaceQuery]) -> dict[str, Any]:
    return {"enabled": Notifications().choose(call.workspace_id, call.principal.uid, call.body.enabled)}


notification_settings = http_function("notification_settings", _read, _choose)
