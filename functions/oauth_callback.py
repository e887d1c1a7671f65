"""Google redirects here after consent: finish the connection, then send the user back to the app."""

from __future__ import annotations

import urllib.parse

import flask
from pydantic import BaseModel, ConfigDict
from werkzeug.wrappers import Response as WerkzeugResponse

from functions._lib.handlers import Call, http_function, operation
from functions._lib.http import BROWSER_COOKIE, clear_browser_cookie
from shared.assistant.proposals import confirm_draft_after_grant
from shared.calendar.sync import connect_calendar
from shared.errors import DomainError
from shared.gmail.oauth import ConnectFailure, ConnectRefused, GmailOAuth
from shared.log import get_logger
from shared.settings import get_settings

log = get_logger("oauth_callback")


class ConsentAnswer(BaseModel):
    """What Google appends to the redirect; it adds more (scope, authuser…), which is ignored."""

    model_config = ConfigDict(extra="ignore")
    state: str = ""
    code: str = ""
    error: str | None = None


def _back_to_app(path: str, **query: str) -> WerkzeugResponse:
    # Only ever a path inside the web app: the state document stores paths, never full URLs.
    target = f"{get_settings().web_app_url.rstrip('/')}{path}?{urllib.parse.urlencode(query)}"
    response = flask.redirect(target, code=302)
    clear_browser_cookie(response)  # the consent it bound is spent, whatever happened
    return response


@operation(
    "GET",
    "/oauth-callback",
    summary="Google's redirect after consent; sends the user back to the app",
    minimum=None,
    query=ConsentAnswer,
    status=302,
    public=True,
)
def _consented(call: Call[None, ConsentAnswer]) -> WerkzeugResponse:
    answer, oauth = call.query, GmailOAuth()
    if answer.error:
        # The user said no (or Google refused): nothing is stored, the state is spent.
        return _back_to_app(oauth.abandon(answer.state), gmail="declined")
    if not answer.code or not answer.state:
        return _back_to_app("/settings", gmail="error", reason=ConnectFailure.INCOMPLETE)
    try:
        connected = oauth.complete(
            code=answer.code, state=answer.state, browser_nonce=call.request.cookies.get(BROWSER_COOKIE)
        )
    except ConnectRefused as refused:
        log.warning("Gmail connection refused", extra={"reason": refused.reason.value})
        return _back_to_app(refused.return_to, gmail="error", reason=refused.reason)
    except DomainError as error:
        # The app is told a code from a fixed list, never the message: whatever reaches the address bar
        # could be forged by anyone sending a link, so the app shows only sentences of its own.
        log.warning("Gmail connection failed", extra={"error": error.code, "reason": error.message})
        return _back_to_app("/settings", gmail="error", reason=ConnectFailure.of(error))
    if connected.draft_proposal_id:
        created = confirm_draft_after_grant(
            connected.ref.workspace_id, connected.uid, connected.email, connected.draft_proposal_id
        )
        return _back_to_app(connected.return_to, draft="created" if created else "failed")
    if connected.calendar:
        connect_calendar(connected.ref)
        return _back_to_app(connected.return_to, calendar="connected", mailbox=connected.ref.mailbox_id)
    return _back_to_app(connected.return_to, gmail="connected", mailbox=connected.ref.mailbox_id)


oauth_callback = http_function("oauth_callback", _consented)
