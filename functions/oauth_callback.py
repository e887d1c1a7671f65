"""Google redirects here after consent: finish the connection, then send the user back to the app."""

from __future__ import annotations

import urllib.parse

import flask
import functions_framework
from werkzeug.wrappers import Response as WerkzeugResponse

from shared.errors import DomainError
from shared.gmail.oauth import ConnectFailure, GmailOAuth
from shared.log import get_logger
from shared.settings import get_settings

log = get_logger("oauth_callback")


def _back_to_app(path: str, **query: str) -> WerkzeugResponse:
    # Only ever a path inside the web app: the state document stores paths, never full URLs.
    target = f"{get_settings().web_app_url.rstrip('/')}{path}?{urllib.parse.urlencode(query)}"
    return flask.redirect(target, code=302)


@functions_framework.http
def oauth_callback(request: flask.Request) -> WerkzeugResponse:
    state = request.args.get("state", "")
    oauth = GmailOAuth()
    if request.args.get("error"):
        # The user said no (or Google refused): nothing is stored, the state is spent.
        return _back_to_app(oauth.abandon(state), gmail="declined")
    code = request.args.get("code", "")
    if not code or not state:
        return _back_to_app("/settings", gmail="error", reason=ConnectFailure.INCOMPLETE)
    try:
        connected = oauth.complete(code=code, state=state)
    except DomainError as error:
        # The app is told a code from a fixed list, never the message: whatever reaches the address bar
        # could be forged by anyone sending a link, so the app shows only sentences of its own.
        log.warning("Gmail connection failed", extra={"error": error.code, "reason": error.message})
        return _back_to_app("/settings", gmail="error", reason=ConnectFailure.of(error))
    return _back_to_app(connected.return_to, gmail="connected", mailbox=connected.ref.mailbox_id)
