"""POST {workspaceId} by a signed-in member → the Google consent URL that connects their Gmail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import AuthorizationUrl
from shared.gmail.oauth import GmailOAuth
from shared.principals import Role


class ConnectGmail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    return_to: str = Field(default="/settings", alias="returnTo", max_length=512)


@command(
    "/connect-gmail",
    summary="The Google consent URL that connects your Gmail",
    minimum=Role.MEMBER,
    body=ConnectGmail,
    answer=AuthorizationUrl,
)
def connect_gmail(call: Call[ConnectGmail, None]) -> dict[str, Any]:
    url = GmailOAuth().authorization_url(call.principal, call.body.workspace_id, return_to=call.body.return_to)
    return {"authorizationUrl": url}
