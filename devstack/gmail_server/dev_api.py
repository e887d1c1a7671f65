"""The `/_dev/` control endpoints: mailboxes and their mail, history expiry, grants and consent, quota, faults."""

from __future__ import annotations

from pathlib import Path

from werkzeug.wrappers import Request, Response

from devstack.gmail_server import errors
from devstack.gmail_server.http_util import json_body, json_response
from devstack.gmail_server.loader import read_mail
from devstack.gmail_server.oauth import DEFAULT_SCOPE
from devstack.gmail_server.store import MailStore
from shared.log import get_logger

log = get_logger("gmail_server.dev")


def health(store: MailStore, request: Request) -> Response:
    return json_response({"ok": True})


def create_mailbox(store: MailStore, request: Request) -> Response:
    body = json_body(request)
    email = body.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise errors.invalid_argument("email is required")
    mbox, eml_dir = body.get("mbox"), body.get("eml_dir")
    for path, is_expected_kind in ((mbox, Path.is_file), (eml_dir, Path.is_dir)):
        if path is not None and not (isinstance(path, str) and is_expected_kind(Path(path))):
            raise errors.invalid_argument(f"not found: {path}")
    scope = body.get("scope")  # the refresh token's grant: read-only Gmail unless the test asks for more
    if scope is not None and not isinstance(scope, str):
        raise errors.invalid_argument("scope must be a space-separated string")
    mailbox, refresh_token = store.replace_mailbox(email, read_mail(mbox=mbox, eml_dir=eml_dir), scope=scope)
    messages, _ = mailbox.counts()
    log.info("mailbox loaded", extra={"email": mailbox.email, "messages": messages, "source": mbox or eml_dir})
    return json_response(
        {
            "email": mailbox.email,
            "refreshToken": refresh_token,
            "messages": messages,
            "historyId": str(mailbox.history_id),
        }
    )


def deliver(store: MailStore, request: Request, email: str) -> Response:
    mailbox = store.mailbox(email)
    raw = request.get_data()
    if not raw.strip():
        raise errors.invalid_argument("the request body must be an RFC 822 message")
    labels = _label_list(request.args.getlist("labelIds"))
    message = mailbox.deliver(raw, labels or None)
    return json_response({"id": message.id, "threadId": message.thread_id, "historyId": str(message.history_id)})


def _label_list(values: list[str]) -> set[str]:
    return {label.strip() for value in values for label in value.split(",") if label.strip()}


def change_labels(store: MailStore, request: Request, email: str, message_id: str) -> Response:
    body = json_body(request)
    add, remove = _string_list(body, "add"), _string_list(body, "remove")
    message = store.mailbox(email).change_labels(message_id, add, remove)
    return json_response(
        {"id": message.id, "labelIds": sorted(message.label_ids), "historyId": str(message.history_id)}
    )


def _string_list(body: dict[str, object], name: str) -> set[str]:
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise errors.invalid_argument(f"{name} must be a list of label ids")
    return set(value)


def delete_message(store: MailStore, request: Request, email: str, message_id: str) -> Response:
    mailbox = store.mailbox(email)
    mailbox.delete(message_id)
    return json_response({"historyId": str(mailbox.history_id)})


def expire_history(store: MailStore, request: Request, email: str) -> Response:
    floor = store.mailbox(email).expire_history()
    return json_response({"historyFloor": str(floor)})


def authorization_code(store: MailStore, request: Request, email: str) -> Response:
    body = json_body(request)
    mailbox = store.mailbox(email)
    redirect_uri = body.get("redirectUri")
    code = store.tokens.issue_code(
        mailbox.email,
        scope=str(body.get("scope") or DEFAULT_SCOPE),
        redirect_uri=redirect_uri if isinstance(redirect_uri, str) else None,
    )
    return json_response({"code": code})


def revoke_grants(store: MailStore, request: Request, email: str) -> Response:
    mailbox = store.mailbox(email)
    store.tokens.revoke_all(mailbox.email)
    return json_response({"revoked": True})


def set_consent(store: MailStore, request: Request, email: str) -> Response:
    """`{"consent": "allow"|"deny"}`: how the mailbox answers Google's consent screen from now on."""
    decision = json_body(request).get("consent")
    if decision not in ("allow", "deny"):
        raise errors.invalid_argument('consent must be "allow" or "deny"')
    mailbox = store.mailbox(email)
    store.tokens.set_consent(mailbox.email, allow=decision == "allow")
    return json_response({"email": mailbox.email, "consent": decision})


def choose_account(store: MailStore, request: Request) -> Response:
    """`{"loginHint", "account"}`: the consent screen hinted at `loginHint` is answered by the mailbox
    `account` from now on, as when a user picks another account at Google; `account` null undoes it."""
    body = json_body(request)
    hint, account = body.get("loginHint"), body.get("account")
    if not isinstance(hint, str) or "@" not in hint:
        raise errors.invalid_argument("loginHint must be an address")
    if account is not None and not isinstance(account, str):
        raise errors.invalid_argument("account must be an address or null")
    chosen = None if account is None else store.mailbox(account).email
    store.tokens.choose_account(hint.strip(), chosen)
    return json_response({"loginHint": hint.strip().lower(), "account": chosen})


# Quota ----------------------------------------------------------------------------------------------------


def quota_settings(store: MailStore, request: Request) -> Response:
    return json_response(store.quota.settings.as_json())


def configure_quota(store: MailStore, request: Request) -> Response:
    """`{"enabled"?, "unitsPerSecond"?, "windowSeconds"?}` for every mailbox without its own switch."""
    body = json_body(request)
    settings = store.quota.configure(
        enabled=_optional_bool(body, "enabled"),
        units_per_second=_optional_positive(body, "unitsPerSecond"),
        window_seconds=_optional_positive(body, "windowSeconds"),
    )
    return json_response(settings.as_json())


def configure_mailbox_quota(store: MailStore, request: Request, email: str) -> Response:
    """`{"enabled": true|false|null}`: this mailbox's own switch; null follows the global one again."""
    body = json_body(request)
    if "enabled" not in body:
        raise errors.invalid_argument("enabled is required (true, false, or null to follow the global switch)")
    mailbox = store.mailbox(email)
    store.quota.set_mailbox(mailbox.email, _optional_bool(body, "enabled"))
    return json_response(
        {"email": mailbox.email, "enabled": body["enabled"], "enforced": store.quota.is_enforced(email)}
    )


def usage(store: MailStore, request: Request, email: str) -> Response:
    return json_response(store.quota.usage(email))


def reset_usage(store: MailStore, request: Request, email: str) -> Response:
    store.quota.reset(email)
    return json_response(store.quota.usage(email))


def _optional_bool(body: dict[str, object], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise errors.invalid_argument(f"{name} must be true or false")
    return value


def _optional_positive(body: dict[str, object], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise errors.invalid_argument(f"{name} must be a positive number")
    return float(value)


# Faults ---------------------------------------------------------------------------------------------------


def add_fault(store: MailStore, request: Request) -> Response:
    """`{"email"?, "operation", "kind", "count"?}`: the next `count` matching calls fail (all of them if omitted)."""
    body = json_body(request)
    email, operation, kind, count = body.get("email"), body.get("operation"), body.get("kind"), body.get("count")
    if email is not None and not isinstance(email, str):
        raise errors.invalid_argument("email must be a string")
    if not isinstance(operation, str) or not isinstance(kind, str):
        raise errors.invalid_argument("operation and kind are required")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise errors.invalid_argument("count must be an integer")
    try:
        rule = store.faults.add(email=email, operation=operation, kind=kind, count=count)
    except ValueError as error:
        raise errors.invalid_argument(str(error)) from error
    log.info("fault added", extra=rule.as_json())
    return json_response(rule.as_json())


def list_faults(store: MailStore, request: Request) -> Response:
    return json_response({"faults": [rule.as_json() for rule in store.faults.rules()]})


def clear_faults(store: MailStore, request: Request) -> Response:
    """Clears every rule, or with `?email=` only that mailbox's own rules."""
    return json_response({"cleared": store.faults.clear(request.args.get("email") or None)})


def addon_tokens(store: MailStore, request: Request, email: str) -> Response:
    """`{"messageId"}` → the tokens Gmail would give an add-on for that open message:
    `{"userOAuthToken", "accessToken"}`."""
    message_id = json_body(request).get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise errors.invalid_argument("messageId is required")
    store.mailbox(email)  # 404 for an unknown mailbox
    user_token, message_token = store.tokens.issue_addon_tokens(email, message_id)
    return json_response({"userOAuthToken": user_token, "accessToken": message_token})
