"""POST {workspaceId} by a signed-in member → the Google consent URL that connects their own Gmail, and a
cookie binding that consent to this browser (the web app calls this from its own origin)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response as WerkzeugResponse

from functions._lib.handlers import Call, command
from functions._lib.http import set_browser_cookie
from functions._lib.responses import json_response
from shared.crm.answers import AuthorizationUrl
from shared.crm.models import RecordId
from shared.gmail.oauth import STATE_LIFETIME, GmailOAuth
from shared.principals import Role


class ConnectGmail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    return_to: str = Field(default="/settings", alias="returnTo", max_length=512)
    # Also let Rapport send mail as you: invitations then go out from your Gmail.
    send_mail: bool = Field(default=False, alias="sendMail")
    # Let Rapport write drafts (gmail.compose only), then create the assistant's draft this proposal holds.
    draft_proposal_id: RecordId | None = Field(default=None, alias="draftProposalId")
    # Also read your primary calendar (calendar.readonly, added to the same grant): meetings from Google Calendar.
    calendar: bool = False


@command(
    "/connect-gmail",
    summary="The Google consent URL that connects your Gmail",
    minimum=Role.MEMBER,
    body=ConnectGmail,
    answer=AuthorizationUrl,
)
def connect_gmail(call: Call[ConnectGmail, None]) -> WerkzeugResponse:
    body = call.body
    start = GmailOAuth().start(
        call.principal,
        body.workspace_id,
        return_to=body.return_to,
        send_mail=body.send_mail,
        draft_proposal_id=body.draft_proposal_id,
        calendar=body.calendar,
    )
    response = json_response(AuthorizationUrl(authorization_url=start.authorization_url).model_dump(by_alias=True))
    set_browser_cookie(response, start.browser_nonce, max_age_seconds=int(STATE_LIFETIME.total_seconds()))
    return response
