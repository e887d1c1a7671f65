"""Handlers of the Gmail API subset Rapport uses, at the paths gmail.v1.json defines."""

from __future__ import annotations

import base64
import binascii
import re

from werkzeug.wrappers import Request, Response

from devstack.gmail_server import errors, render, scopes
from devstack.gmail_server.http_util import bool_param, int_param, json_body, json_response
from devstack.gmail_server.labels import SPAM_AND_TRASH
from devstack.gmail_server.mailbox import Mailbox
from devstack.gmail_server.query import QueryError, compile_query
from devstack.gmail_server.rfc822 import read_envelope
from devstack.gmail_server.store import MailStore

_MAX_RESULTS = 500
_DEFAULT_RESULTS = 100
_HISTORY_TYPES = frozenset({"messageAdded", "messageDeleted", "labelAdded", "labelRemoved"})
_TOPIC = re.compile(r"^projects/[^/]+/topics/[^/]+$")


def authorized_mailbox(store: MailStore, request: Request, user_id: str, operation: str) -> Mailbox:
    """Gmail's checks in Gmail's order: token, delegation, injected faults, scope, then quota (which charges)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    access = store.tokens.access_info(token.strip()) if scheme.lower() == "bearer" else None
    if access is None:
        raise errors.unauthenticated()
    if user_id != "me" and user_id.lower() != access.email:
        raise errors.delegation_denied(user_id)
    store.check_faults(operation, access.email)
    accepted = scopes.accepted_by(operation)
    if accepted and access.scopes.isdisjoint(accepted):
        raise errors.insufficient_permissions(accepted)
    store.quota.charge(access.email, operation)
    return store.mailbox(access.email)


def get_profile(store: MailStore, request: Request, user_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.getProfile")
    messages, threads = mailbox.counts()
    return json_response(
        {
            "emailAddress": mailbox.email,
            "messagesTotal": messages,
            "threadsTotal": threads,
            "historyId": str(mailbox.history_id),
        }
    )


def list_messages(store: MailStore, request: Request, user_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.messages.list")
    label_ids = frozenset(request.args.getlist("labelIds"))
    query = request.args.get("q", "").strip()
    try:
        compiled = compile_query(query, registry=mailbox.labels, owner=mailbox.email) if query else None
    except QueryError as error:
        raise errors.invalid_argument(str(error)) from error
    include_spam_trash = (
        bool_param(request, "includeSpamTrash")
        or bool(label_ids & SPAM_AND_TRASH)
        or (compiled is not None and compiled.wants_spam_or_trash)
    )
    page = mailbox.list_messages(
        compiled.matches if compiled else None,
        required_labels=label_ids,
        include_spam_trash=include_spam_trash,
        after=_decode_message_cursor(request.args.get("pageToken")),
        limit=int_param(request, "maxResults", default=_DEFAULT_RESULTS, maximum=_MAX_RESULTS),
    )
    body: dict[str, object] = {}
    if page.messages:
        body["messages"] = [render.message_ref(message) for message in page.messages]
    if page.next_cursor:
        body["nextPageToken"] = _encode_message_cursor(page.next_cursor)
    body["resultSizeEstimate"] = page.estimate
    return json_response(body)


def _encode_message_cursor(cursor: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(f"{cursor[0]}:{cursor[1]}".encode()).decode().rstrip("=")


def _decode_message_cursor(token: str | None) -> tuple[int, str] | None:
    if not token:
        return None
    try:
        millis, _, message_id = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(":")
        return int(millis), message_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise errors.invalid_argument("Invalid pageToken") from error


def get_message(store: MailStore, request: Request, user_id: str, message_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.messages.get")
    message_format = request.args.get("format", "full").lower()
    if message_format not in render.FORMATS:
        raise errors.invalid_argument(f"Invalid value at 'format' ({message_format})")
    _check_addon_message_token(store, request, mailbox.email, message_id)
    message = mailbox.get(message_id)
    headers = request.args.getlist("metadataHeaders")
    return json_response(render.message_resource(mailbox, message, message_format, headers))


ADDON_MESSAGE_TOKEN_HEADER = "X-Goog-Gmail-Access-Token"  # noqa: S105 (a header name)


def _check_addon_message_token(store: MailStore, request: Request, email: str, message_id: str) -> None:
    """An add-on's token reads only the message whose own access token comes with it (Gmail's rule for
    the gmail.addons.current.message.* scopes); any other message is out of its reach."""
    _scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    access = store.tokens.access_info(token.strip())
    if access is None or not access.addon_only:
        return
    if not store.tokens.message_token_opens(request.headers.get(ADDON_MESSAGE_TOKEN_HEADER), email, message_id):
        raise errors.insufficient_permissions(scopes.accepted_by("users.messages.get"))


def send_message(store: MailStore, request: Request, user_id: str) -> Response:
    """users.messages.send with a `raw` RFC 822 message: it lands in the sender's mailbox as SENT and, as
    Gmail delivers it, in the inbox of each recipient this server holds a mailbox for."""
    mailbox = authorized_mailbox(store, request, user_id, "users.messages.send")
    raw = _with_sender(mailbox, _raw_message(json_body(request).get("raw")))
    recipients = read_envelope(raw).recipient_addresses
    if not recipients:
        raise errors.bad_request("Recipient address required")
    sent = mailbox.deliver(raw, {"SENT"})
    held = set(store.addresses())
    for address in sorted(recipients - {mailbox.email}):
        if address in held:
            store.mailbox(address).deliver(raw, {"INBOX", "UNREAD"})
    return json_response({"id": sent.id, "threadId": sent.thread_id, "labelIds": sorted(sent.label_ids)})


def _raw_message(encoded: object) -> bytes:
    """A message resource's `raw`: base64url RFC 822, required."""
    if not isinstance(encoded, str) or not encoded:
        raise errors.invalid_argument(
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required"
        )
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as error:
        raise errors.invalid_argument("Invalid value for ByteString: raw") from error


def _with_sender(mailbox: Mailbox, raw: bytes) -> bytes:
    if not re.search(rb"^from:", raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0], re.IGNORECASE | re.MULTILINE):
        return f"From: {mailbox.email}\r\n".encode() + raw  # Gmail fills in the sender
    return raw


def create_draft(store: MailStore, request: Request, user_id: str) -> Response:
    """users.drafts.create with `message.raw` (and `message.threadId` for a reply in that thread): the
    message is stored labelled DRAFT, never delivered."""
    mailbox = authorized_mailbox(store, request, user_id, "users.drafts.create")
    message = json_body(request).get("message")
    if not isinstance(message, dict):
        raise errors.invalid_argument("Missing draft message")
    thread_id = message.get("threadId")
    if thread_id is not None and not isinstance(thread_id, str):
        raise errors.invalid_argument("Invalid value at 'draft.message.thread_id'")
    draft_id, stored = mailbox.create_draft(_with_sender(mailbox, _raw_message(message.get("raw"))), thread_id or None)
    return json_response({"id": draft_id, "message": {**render.message_ref(stored), "labelIds": ["DRAFT"]}})


def list_drafts(store: MailStore, request: Request, user_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.drafts.list")
    drafts = mailbox.drafts()
    start = int(request.args.get("pageToken") or 0) if (request.args.get("pageToken") or "0").isdigit() else 0
    limit = int_param(request, "maxResults", default=_DEFAULT_RESULTS, maximum=_MAX_RESULTS)
    page = drafts[start : start + limit]
    body: dict[str, object] = {"resultSizeEstimate": len(drafts)}
    if page:
        body["drafts"] = [{"id": draft_id, "message": render.message_ref(message)} for draft_id, message in page]
    if start + limit < len(drafts):
        body["nextPageToken"] = str(start + limit)
    return json_response(body)


def get_draft(store: MailStore, request: Request, user_id: str, draft_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.drafts.get")
    message_format = request.args.get("format", "full").lower()
    if message_format not in render.FORMATS:
        raise errors.invalid_argument(f"Invalid value at 'format' ({message_format})")
    message = mailbox.draft(draft_id)
    return json_response({"id": draft_id, "message": render.message_resource(mailbox, message, message_format, [])})


def get_attachment(store: MailStore, request: Request, user_id: str, message_id: str, attachment_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.messages.attachments.get")
    message = mailbox.get(message_id)
    data = mailbox.parsed(message).attachments.get(attachment_id)
    if data is None:
        raise errors.invalid_argument("Invalid attachment token")
    return json_response({"size": len(data), "data": base64.urlsafe_b64encode(data).decode("ascii")})


def list_history(store: MailStore, request: Request, user_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.history.list")
    start = _history_id_param(request.args.get("startHistoryId"), "startHistoryId")
    page_token = request.args.get("pageToken")
    after = _history_id_param(page_token, "pageToken") if page_token else None
    kinds = frozenset(request.args.getlist("historyTypes")) or None
    if kinds and not kinds <= _HISTORY_TYPES:
        raise errors.invalid_argument(f"Invalid value at 'history_types' ({sorted(kinds - _HISTORY_TYPES)[0]})")
    page = mailbox.list_history(
        start,
        after=after,
        kinds=kinds,
        label_id=request.args.get("labelId") or None,
        limit=int_param(request, "maxResults", default=_DEFAULT_RESULTS, maximum=_MAX_RESULTS),
    )
    body: dict[str, object] = {}
    if page.records:
        body["history"] = [render.history_resource(record) for record in page.records]
    if page.next_after is not None:
        body["nextPageToken"] = str(page.next_after)
    body["historyId"] = str(page.history_id)
    return json_response(body)


def _history_id_param(raw: str | None, name: str) -> int:
    if not raw:
        raise errors.invalid_argument(f"Missing required parameter: {name}")
    if not raw.isdigit():
        raise errors.invalid_argument(f"Invalid value for {name}: {raw}")
    return int(raw)


def watch(store: MailStore, request: Request, user_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.watch")
    body = json_body(request)
    topic = body.get("topicName")
    if not isinstance(topic, str) or not _TOPIC.match(topic):
        raise errors.invalid_argument("Invalid topicName does not match projects/SOME-PROJECT/topics/*")
    label_ids = body.get("labelIds") or []
    if not isinstance(label_ids, list) or not all(isinstance(label, str) for label in label_ids):
        raise errors.invalid_argument("Invalid value at 'label_ids'")
    behavior = str(body.get("labelFilterBehavior") or body.get("labelFilterAction") or "include").lower()
    if behavior not in ("include", "exclude"):
        raise errors.invalid_argument(f"Invalid value at 'label_filter_behavior' ({behavior})")
    active = mailbox.watch(topic, label_ids, include=behavior == "include")
    return json_response({"historyId": str(mailbox.history_id), "expiration": str(active.expiration_ms)})


def stop(store: MailStore, request: Request, user_id: str) -> Response:
    mailbox = authorized_mailbox(store, request, user_id, "users.stop")
    mailbox.stop()
    return Response(status=204)
