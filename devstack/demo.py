"""The demo: a workspace, a generated mailbox in the local Gmail server, connected through the real pipeline."""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.cloud.firestore_v1.base_query import FieldFilter

from devstack import demo_calendar
from devstack.processes import StackError
from shared.calendar.sync import connect_calendar
from shared.clients import firestore_client
from shared.gmail.api import CALENDAR_READONLY_SCOPE, GMAIL_READONLY_SCOPE
from shared.gmail.connect import connect_mailbox
from shared.gmail.mailboxes import MailboxRef
from shared.pipeline import progress
from shared.workspaces import create_workspace

DEMO_WORKSPACE = "demo"
DEMO_OWNER_UID = "demo-owner"


@dataclass(frozen=True)
class IngestProgress:
    stage: str
    listed: int
    fetched: int
    stored: int
    duplicates: int
    last_error: str | None

    @property
    def done(self) -> bool:
        # A retried chunk may deliver a message twice; ingestion counts the second as a duplicate.
        return self.stage == "idle" and self.stored + self.duplicates >= self.fetched

    @classmethod
    def of(cls, mailbox: dict[str, Any], counted: dict[str, int]) -> IngestProgress:
        sync = mailbox.get("sync") or {}
        return cls(
            stage=sync.get("stage", "queued"),
            listed=int(sync.get("listed", 0)),
            fetched=int(sync.get("fetched", 0)),
            stored=counted["stored"],
            duplicates=counted["duplicates"],
            last_error=sync.get("lastError"),
        )


def dev_call(gmail_url: str, path: str, body: dict[str, Any] | bytes, content_type: str = "application/json") -> Any:
    """POSTs to the local Gmail server's /_dev control API."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{gmail_url}/_dev/{path}", data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def load_mailbox(gmail_url: str, email: str, mbox: Path | None = None, *, scope: str | None = None) -> str:
    """Creates the mailbox in the local Gmail server and returns the refresh token it granted (for `scope`,
    read-only Gmail unless said)."""
    body: dict[str, Any] = {"email": email}
    if mbox is not None:
        body["mbox"] = str(mbox)
    if scope is not None:
        body["scope"] = scope
    return str(dev_call(gmail_url, "mailboxes", body)["refreshToken"])


def deliver(gmail_url: str, email: str, raw: bytes, labels: str = "INBOX,UNREAD") -> dict[str, Any]:
    result: dict[str, Any] = dev_call(gmail_url, f"mailboxes/{email}/messages?labelIds={labels}", raw, "message/rfc822")
    return result


# The demo shows everything the mail holds at once: every correspondent counts, and its first sync
# needs no approval (a real workspace previews its first sync; see shared/crm/preview.py).
DEMO_SETTINGS = {"contactCreation": "sent_and_received", "requirePreview": False}


def connect_demo(
    gmail_url: str,
    owner_email: str,
    mbox: Path | None,
    *,
    workspace_id: str = DEMO_WORKSPACE,
    with_calendar: bool = False,
) -> MailboxRef:
    """Connects a mailbox of the local Gmail server to `workspace_id`, creating the demo workspace if missing.
    `with_calendar` also fills the owner's calendar with the demo meetings (devstack/demo_calendar.py) and
    connects it on the same grant, as 'Connect calendar' does."""
    workspace = firestore_client().document("workspaces", workspace_id)
    if not workspace.get().exists:
        create_workspace(workspace_id, name="Demo team", owner_uid=DEMO_OWNER_UID, owner_email=owner_email)
        workspace.set({"settings": DEMO_SETTINGS}, merge=True)
    scope = f"{GMAIL_READONLY_SCOPE} {CALENDAR_READONLY_SCOPE}" if with_calendar else None
    refresh_token = load_mailbox(gmail_url, owner_email, mbox, scope=scope)
    ref = connect_mailbox(workspace_id=workspace_id, owner_uid=DEMO_OWNER_UID, refresh_token=refresh_token)
    if with_calendar and mbox is not None:
        people = demo_calendar.correspondents(mbox, owner_email)
        dev_call(gmail_url, f"calendars/{owner_email}/events", {"items": demo_calendar.events(owner_email, people)})
        connect_calendar(ref)
    return ref


def mailbox_progress(ref: MailboxRef) -> IngestProgress:
    mailbox = firestore_client().document("workspaces", ref.workspace_id, "mailboxes", ref.mailbox_id)
    return IngestProgress.of(mailbox.get().to_dict() or {}, progress.totals(mailbox.collection("progress")))


def wait_until_ingested(
    ref: MailboxRef, *, timeout: float, on_progress: Any = None, crashed: Any = None
) -> IngestProgress:
    deadline = time.monotonic() + timeout
    while True:
        progress = mailbox_progress(ref)
        if on_progress:
            on_progress(progress)
        if progress.done:
            return progress
        problem = crashed() if crashed else None
        if problem:
            raise StackError(f"a part of the stack stopped: {problem}")
        if time.monotonic() > deadline:
            raise StackError(f"the mailbox was not ingested within {timeout:.0f} s: {progress}")
        time.sleep(0.2)


def counts(workspace_id: str) -> dict[str, int]:
    workspace = firestore_client().collection("workspaces").document(workspace_id)
    return {
        name: int(workspace.collection(name).count().get()[0][0].value)
        for name in ("interactions", "contacts", "companies")
    }


def wait_for_meetings(ref: MailboxRef, *, timeout: float = 60.0) -> int:
    """The meetings the mailbox's calendar brought in, once its sync has finished (0 if it does not in time)."""
    mailbox = firestore_client().document("workspaces", ref.workspace_id, "mailboxes", ref.mailbox_id)
    deadline = time.monotonic() + timeout
    while ((mailbox.get().to_dict() or {}).get("calendar") or {}).get("status") != "connected":
        if time.monotonic() > deadline:
            return 0
        time.sleep(0.5)
    interactions = firestore_client().collection("workspaces", ref.workspace_id, "interactions")
    meetings: Any = interactions.where(filter=FieldFilter("kind", "==", "meeting"))  # the stubs type count() loosely
    return int(meetings.count().get()[0][0].value)


def sign_in_link(web_url: str, *, uid: str, email: str, display_name: str | None = None) -> str:
    """A link that signs `uid` in to the local web app: a custom token minted by the Auth emulator.

    The address counts as verified, as Google's sign-in vouches for its accounts' addresses.
    """
    from firebase_admin import auth

    from shared.clients import firebase_app

    try:
        auth.create_user(uid=uid, email=email, email_verified=True, display_name=display_name, app=firebase_app())
    except auth.UidAlreadyExistsError:
        pass
    except auth.EmailAlreadyExistsError:
        # The emulator holds one account per address; locally the newest sign-in takes it over.
        auth.delete_user(auth.get_user_by_email(email, app=firebase_app()).uid, app=firebase_app())
        auth.create_user(uid=uid, email=email, email_verified=True, display_name=display_name, app=firebase_app())
    token = auth.create_custom_token(uid, app=firebase_app()).decode()
    return f"{web_url}/?customToken={token}"


def id_token(auth_url: str, uid: str, email: str) -> str:
    """A real Firebase ID token from the Auth emulator, for calling the HTTP functions as `uid`."""
    custom_token = sign_in_link("", uid=uid, email=email).split("customToken=", 1)[1]
    request = urllib.request.Request(
        f"{auth_url}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=local",
        data=json.dumps({"token": custom_token, "returnSecureToken": True}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["idToken"])
