"""HTTP face of Google's OAuth endpoints: consent (authorize), token, revoke, userinfo and tokeninfo."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode, urlsplit

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from devstack.gmail_server import errors, faults, scopes
from devstack.gmail_server.http_util import json_response
from devstack.gmail_server.oauth import ACCESS_TOKEN_SECONDS, AccessInfo, ConsentRequest, is_s256_challenge, subject_id
from devstack.gmail_server.store import MailStore

_PROMPTS = frozenset({"none", "consent", "select_account"})
_NO_STORE = {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"}
_CERTS_CACHE = {"Cache-Control": "public, max-age=300, must-revalidate, no-transform"}


def token(store: MailStore, request: Request) -> Response:
    form = _form(request)
    kind = store.faults.take(store.tokens.grant_subject(form), faults.TOKEN_OPERATION)
    if kind is not None:
        raise faults.token_error(kind)
    answer = store.tokens.grant(form)
    # Google marks token answers as uncacheable; some clients check for it.
    return json_response(answer.body(), headers=_NO_STORE)


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
    """Google's consent screen, answered by the mailbox's dev-API consent setting (allow unless set to deny).

    Malformed requests get a 400 JSON error, as Google shows an error page rather than trusting the
    redirect. A consent decision redirects to `redirect_uri` with `code` or `error`, and `state`.
    """
    consent_request, state = _consent_request(store, request)
    consent = store.tokens.consent(consent_request)
    if consent.error:
        answer = {"error": consent.error, "state": state}
    else:
        answer = {"code": consent.code or "", "state": state, "scope": consent.scope, "authuser": "0"}
    uri = consent_request.redirect_uri
    return redirect(f"{uri}{'&' if '?' in uri else '?'}{urlencode(answer)}", code=302)


def _consent_request(store: MailStore, request: Request) -> tuple[ConsentRequest, str]:
    args = request.args
    client_id = _required_arg(request, "client_id")
    if client_id != store.tokens.client_id:
        raise errors.invalid_client("The OAuth client was not found.")
    redirect_uri = _required_arg(request, "redirect_uri")
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise errors.invalid_request(f"Invalid parameter value for redirect_uri: {redirect_uri}")
    response_type = _required_arg(request, "response_type")
    if response_type != "code":
        raise errors.OAuthError(400, "unsupported_response_type", f"Invalid response_type: {response_type}")
    requested = scopes.normalize(_required_arg(request, "scope"))
    invalid = scopes.unknown(requested)
    if invalid:
        raise errors.OAuthError(400, "invalid_scope", f"Some requested scopes were invalid. {{invalid={invalid}}}")
    # Google allows omitting state and PKCE; Rapport must not, so the local server insists on both.
    state = _required_arg(request, "state")
    challenge = _required_arg(request, "code_challenge")
    method = _required_arg(request, "code_challenge_method")
    if method != "S256":
        raise errors.invalid_request(f"Invalid code_challenge_method: {method} (only S256 is accepted here)")
    if not is_s256_challenge(challenge):
        raise errors.invalid_request("Invalid code_challenge: expected 43 base64url characters")
    access_type = args.get("access_type", "online")
    if access_type not in ("online", "offline"):
        raise errors.invalid_request(f"Invalid access_type: {access_type}")
    prompt = frozenset(args.get("prompt", "").split())
    if not prompt <= _PROMPTS or ("none" in prompt and len(prompt) > 1):
        raise errors.invalid_request(f"Invalid prompt: {args.get('prompt')}")
    consent_request = ConsentRequest(
        email=_consenting_mailbox(store, args.get("login_hint", "")),
        scopes=requested,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        offline=access_type == "offline",
        prompt=prompt,
        include_granted_scopes=args.get("include_granted_scopes") == "true",
    )
    return consent_request, state


def _consenting_mailbox(store: MailStore, login_hint: str) -> str:
    """The account the dev API chose for this hint (a user who picks another account at Google's chooser);
    else the hinted mailbox; else, as a user picking the only account they have would, the only one there is."""
    addresses = store.addresses()
    hinted = login_hint.strip().lower()
    chosen = store.tokens.chosen_account(hinted)
    if chosen is not None:
        return store.mailbox(chosen).email
    if hinted in addresses:
        return hinted
    if len(addresses) == 1:
        return addresses[0]
    raise errors.invalid_request(f"login_hint must name one of the {len(addresses)} local mailboxes")


def _required_arg(request: Request, name: str) -> str:
    value = request.args.get(name)
    if not value:
        raise errors.invalid_request(f"Missing required parameter: {name}")
    return value


def certs(store: MailStore, request: Request) -> Response:
    """Google's `/oauth2/v1/certs`: the keys that sign ID tokens, as x509 certificates by key id."""
    return json_response(store.tokens.identity.certs_document(), headers=_CERTS_CACHE)


def userinfo(store: MailStore, request: Request) -> Response:
    """OpenID Connect userinfo: `sub`, plus the address when an email scope was granted."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    access = store.tokens.access_info(value.strip()) if scheme.lower() == "bearer" else None
    if access is None or access.scopes.isdisjoint({"openid", scopes.USERINFO_EMAIL, scopes.USERINFO_PROFILE}):
        raise errors.OAuthError(401, "invalid_request", "Invalid Credentials")
    body: dict[str, object] = {"sub": subject_id(access.email)}
    if scopes.USERINFO_EMAIL in access.scopes:
        body |= {"email": access.email, "email_verified": True}
    return json_response(body, headers=_NO_STORE)


def tokeninfo(store: MailStore, request: Request) -> Response:
    """Google's tokeninfo for access tokens; like Google's, every value is a string."""
    access = store.tokens.access_info(request.args.get("access_token") or request.form.get("access_token") or "")
    if access is None:
        raise errors.OAuthError(400, "invalid_token", "Invalid Value")
    return json_response(_tokeninfo_body(store, access), headers=_NO_STORE)


def _tokeninfo_body(store: MailStore, access: AccessInfo) -> dict[str, str]:
    body = {
        "azp": store.tokens.client_id,
        "aud": store.tokens.client_id,
        "sub": subject_id(access.email),
        "scope": " ".join(sorted(access.scopes)),
        "exp": str(int(access.expires_at)),
        "expires_in": str(max(0, min(ACCESS_TOKEN_SECONDS, int(access.expires_at - time.time())))),
        "access_type": "offline" if access.offline else "online",
    }
    if scopes.USERINFO_EMAIL in access.scopes:
        body |= {"email": access.email, "email_verified": "true"}
    return body
