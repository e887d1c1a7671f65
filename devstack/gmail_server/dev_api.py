"""The `/_dev/` control endpoints: load mailboxes, deliver and change mail, expire history, revoke grants."""

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
    mailbox, refresh_token = store.replace_mailbox(email, read_mail(mbox=mbox, eml_dir=eml_dir))
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
