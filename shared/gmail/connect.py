"""Connecting a mailbox: store the grant encrypted, start Gmail push, queue the first sync."""

from __future__ import annotations

from shared import clients
from shared.gmail.api import GmailMailbox
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.sync import SyncService
from shared.resources import resources


def connect_mailbox(
    *,
    workspace_id: str,
    owner_uid: str,
    refresh_token: str,
    store: MailboxStore | None = None,
    sync: SyncService | None = None,
) -> MailboxRef:
    store = store or MailboxStore()
    gmail = GmailMailbox.for_refresh_token(refresh_token)
    email, _ = gmail.profile()  # proves the grant works before anything is stored
    ref = store.save_connection(
        workspace_id=workspace_id, owner_uid=owner_uid, email=email, refresh_token=refresh_token
    )
    watch_history_id, expiration_ms = gmail.watch(clients.topic_path(resources().topic("gmail_notifications")))
    store.save_watch(ref, history_id=watch_history_id, expiration_ms=expiration_ms)
    (sync or SyncService(store=store)).request_sync(ref)
    return ref
