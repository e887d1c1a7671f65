"""POST {workspaceId} by a signed-in member → the Google consent URL that connects their Gmail."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.gmail.oauth import GmailOAuth
from shared.principals import Role


class ConnectGmail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    return_to: str = Field(default="/settings", alias="returnTo", max_length=512)


@functions_framework.http
@answers_errors
def connect_gmail(request: flask.Request) -> flask.Response:
    principal = caller(request)
    body = json_body(request, ConnectGmail)
    require_role(body.workspace_id, principal, Role.MEMBER)
    url = GmailOAuth().authorization_url(principal, body.workspace_id, return_to=body.return_to)
    return json_response({"authorizationUrl": url})
