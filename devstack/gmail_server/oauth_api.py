"""HTTP face of the OAuth endpoints: Google's token, revoke and consent URLs."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from devstack.gmail_server import errors
from devstack.gmail_server.http_util import json_response
from devstack.gmail_server.oauth import DEFAULT_SCOPE
from devstack.gmail_server.store import MailStore


def token(store: MailStore, request: Request) -> Response:
    form = _form(request)
    answer = store.tokens.grant(form)
    # Google marks token answers as uncacheable; some clients check for it.
    return json_response(answer.body(), headers={"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"})


def _form(request: Request) -> dict[str, str]:
    if request.mimetype == "application/json":
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError as error:
            raise errors.invalid_request("Invalid JSON payload") from error
        form = {str(key): str(value) for key, value in body.items()} if isinstance(body, dict) else {}
    else:
        form = {key: request.form[key] for key in request.form}
    credentials = request.authorization
    if credentials is not None and credentials.type == "basic":
        form.setdefault("client_id", credentials.username or "")
        form.setdefault("client_secret", credentials.password or "")
    return form


def revoke(store: MailStore, request: Request) -> Response:
    value = request.args.get("token") or request.form.get("token")
    if not value:
        raise errors.invalid_request("Missing required parameter: token")
    store.tokens.revoke(value)
    return json_response({})


def authorize(store: MailStore, request: Request) -> Response:
    """A consent screen that always consents, for the mailbox named by `login_hint`."""
    redirect_uri = request.args.get("redirect_uri")
    email = request.args.get("login_hint", "")
    if not redirect_uri:
        raise errors.invalid_request("Missing required parameter: redirect_uri")
    if request.args.get("client_id") != store.tokens.client_id:
        raise errors.invalid_client("The OAuth client was not found.")
    mailbox = store.mailbox(email)
    scope = request.args.get("scope") or DEFAULT_SCOPE
    code = store.tokens.issue_code(mailbox.email, scope=scope, redirect_uri=redirect_uri)
    answer = {"code": code, "scope": scope}
    if "state" in request.args:
        answer["state"] = request.args["state"]
    separator = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{separator}{urlencode(answer)}", code=302)
