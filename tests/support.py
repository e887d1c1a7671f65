"""Helpers for tests: mail to deliver, and waiting for the asynchronous pipeline."""

from __future__ import annotations

import ast
import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # logs and screenshots a failed run leaves


def mail(
    sender: str,
    to: str,
    subject: str = "Hello",
    body: str = "Hi there,\n\nLet's talk next week.\n\nBest,\nAnn",
    *,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="test.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def wait_for(probe: Callable[[], T], *, timeout: float = 30.0, what: str = "condition") -> T:
    """Polls until `probe` returns something truthy; fails with the last value otherwise."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last value: {value!r})")
        time.sleep(0.1)
        value = probe()
    return value


def id_token_for(auth_url: str, uid: str, email: str) -> str:
    """A real Firebase ID token from the Auth emulator, for calling the HTTP functions as `uid`."""
    from devstack.demo import id_token

    return id_token(auth_url, uid, email)


# Tests that follow the pipeline itself: every correspondent counts, and no first-sync preview waits.
OPEN_POLICY = {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}


def open_workspace(workspace_id: str, *, owner_uid: str, owner_email: str, name: str = "Test team") -> None:
    """A workspace whose mail becomes contacts straight away."""
    from shared.clients import firestore_client
    from shared.workspaces import create_workspace

    create_workspace(workspace_id, name=name, owner_uid=owner_uid, owner_email=owner_email)
    firestore_client().document("workspaces", workspace_id).set(OPEN_POLICY, merge=True)


def team_with_mailbox(db, workspace_id: str, owner_email: str) -> str:  # type: ignore[no-untyped-def]
    """A workspace owned by `u-owner` whose mailbox is connected and stores mail without a preview."""
    from shared.gmail.mailboxes import MailboxStore
    from shared.workspaces import create_workspace

    create_workspace(workspace_id, name="Team", owner_uid="u-owner", owner_email=owner_email)
    db.document("workspaces", workspace_id).set({"settings": {"requirePreview": False}}, merge=True)
    MailboxStore().save_connection(workspace_id=workspace_id, owner_uid="u-owner", email=owner_email, refresh_token="t")
    return workspace_id


def connected_without_watch(gmail_url: str, workspace_id: str, owner_email: str):  # type: ignore[no-untyped-def]
    """A workspace whose owner's mailbox at the local Gmail server is connected without a watch, so
    no notification starts a sync behind a test's back."""
    from devstack import demo
    from shared.gmail.mailboxes import MailboxStore
    from shared.workspaces import create_workspace

    create_workspace(workspace_id, name="Test team", owner_uid="u-owner", owner_email=owner_email)
    refresh_token = demo.load_mailbox(gmail_url, owner_email)
    return MailboxStore().save_connection(
        workspace_id=workspace_id, owner_uid="u-owner", email=owner_email, refresh_token=refresh_token
    )


def with_content(snapshot) -> dict:  # type: ignore[no-untyped-def]
    """An interaction's metadata and its content documents (shared/sharing.py), as one dict."""
    from shared.sharing import PARTS, content_ref

    merged = dict(snapshot.to_dict() or {})
    for part in PARTS:
        merged.update(content_ref(snapshot.reference, part).get().to_dict() or {})
    return merged


def store_mail(db, workspace_id: str, interaction_id: str, fields: dict, *, sharing: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """An interaction as ingestion stores it: metadata, and its subject and snippet apart, in a mailbox
    (`mailboxId`, created with `sharing` when given)."""
    from devstack.agent_world import store_interaction

    store_interaction(db, workspace_id, interaction_id, fields)
    if sharing is not None:
        db.document("workspaces", workspace_id, "mailboxes", fields["mailboxId"]).set({"sharing": sharing}, merge=True)


def watched_mailbox(stack, workspace_id: str) -> str:  # type: ignore[no-untyped-def]
    """A workspace (OPEN_POLICY) owned by `u-owner`, whose Gmail at the local Gmail server is connected
    and watched: delivered mail syncs by itself. Returns the owner's address once the first sync is done."""
    import uuid

    from devstack import demo
    from shared.gmail.connect import connect_mailbox

    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    open_workspace(workspace_id, owner_uid="u-owner", owner_email=owner, name="Team")
    ref = connect_mailbox(
        workspace_id=workspace_id, owner_uid="u-owner", refresh_token=demo.load_mailbox(stack.gmail_url, owner)
    )
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")
    return owner


def local_genai_client(base_url: str, retry: object = None) -> object:
    """The real google-genai client in Vertex mode, aimed at a local Gemini server."""
    from google import genai
    from google.genai import types
    from google.oauth2.credentials import Credentials

    return genai.Client(
        vertexai=True,
        project="demo-rapport",
        location="us-central1",
        credentials=Credentials(token="test"),
        http_options=types.HttpOptions(base_url=base_url, retry_options=retry),  # type: ignore[arg-type]
    )


def gmail_drafts(ref, message_format: str = "raw") -> list[dict]:  # type: ignore[no-untyped-def]
    """The drafts in a connected mailbox's Gmail (the local server's), each as drafts.get gives it, read with
    the grant Rapport holds for it asked for gmail.compose."""
    from shared.gmail.api import GMAIL_COMPOSE_SCOPE, GmailMailbox
    from shared.gmail.mailboxes import MailboxStore

    users = GmailMailbox.for_refresh_token(MailboxStore().refresh_token(ref), GMAIL_COMPOSE_SCOPE)._service.users()
    listed = users.drafts().list(userId="me").execute().get("drafts", [])
    return [users.drafts().get(userId="me", id=d["id"], format=message_format).execute() for d in listed]


@functools.cache
def parsed_source(path: Path) -> ast.Module:
    """A source file's syntax tree, parsed once per test session: the static checks (layering, requirements,
    indexes) walk the same files, and parsing them all again in each test took seconds. Read-only."""
    return ast.parse(path.read_text(), filename=str(path))
