"""A mailbox's connection: connect (grant, watch, first sync), disconnect, and the daily watch renewal."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import requests

from shared import clients
from shared.errors import Conflict, DomainError, InvalidInput, MailboxDisconnected, PermissionDenied, RetryLater
from shared.gmail.api import GmailMailbox
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.sync import SyncService
from shared.log import get_logger
from shared.messaging import tasks
from shared.principals import Role
from shared.resources import resources
from shared.settings import Settings, get_settings

log = get_logger("connect")


def _watch(gmail: GmailMailbox, store: MailboxStore, ref: MailboxRef) -> None:
    history_id, expiration_ms = gmail.watch(clients.topic_path(resources().topic("gmail_notifications")))
    store.save_watch(ref, history_id=history_id, expiration_ms=expiration_ms)


def connect_mailbox(
    *,
    workspace_id: str,
    owner_uid: str,
    refresh_token: str,
    address: str | None = None,
    store: MailboxStore | None = None,
    sync: SyncService | None = None,
) -> MailboxRef:
    """Connects the grant's Gmail in this workspace (when `address` is given, the grant must be for it); the
    same address in other workspaces keeps its own connection, and they share Gmail's one watch for it."""
    store = store or MailboxStore()
    gmail = GmailMailbox.for_refresh_token(refresh_token)
    email, _ = gmail.profile()  # proves the grant works before anything is stored
    if address is not None and email.strip().lower() != address.strip().lower():
        raise InvalidInput("the Gmail that granted access is not the account Google named; nothing was connected")
    ref = store.save_connection(
        workspace_id=workspace_id, owner_uid=owner_uid, email=email, refresh_token=refresh_token
    )
    _watch(gmail, store, ref)
    (sync or SyncService(store=store)).request_sync(ref)
    return ref


# Told (mailbox, its refresh token or None) before the grant is forgotten: what else the grant reaches
# (the calendar's push channel) is stopped while it still can be.
BeforeForget = Callable[[MailboxRef, str | None], None]


def disconnect_mailbox_as(
    ref: MailboxRef,
    *,
    actor_uid: str,
    actor_role: Role,
    delete_data: bool,
    store: MailboxStore | None = None,
    before_forget: BeforeForget | None = None,
) -> None:
    """Owners and admins may disconnect any mailbox of the workspace; a member only their own."""
    store = store or MailboxStore()
    if actor_role not in (Role.OWNER, Role.ADMIN) and store.get(ref).get("ownerUid") != actor_uid:
        raise PermissionDenied("only the mailbox's owner or a workspace admin can disconnect it")
    disconnect_mailbox(ref, delete_data=delete_data, store=store, before_forget=before_forget)


def sync_now(ref: MailboxRef, *, store: MailboxStore | None = None, sync: SyncService | None = None) -> None:
    """A sync pass now; only a connected mailbox may start one."""
    store = store or MailboxStore()
    if store.get(ref).get("status") != "connected":
        raise Conflict("this mailbox is disconnected; connect Gmail again first")
    (sync or SyncService(store=store)).request_sync(ref)


def disconnect_mailbox(
    ref: MailboxRef,
    *,
    delete_data: bool,
    store: MailboxStore | None = None,
    revoke: Callable[[str], None] | None = None,
    enqueue: Callable[..., str] = tasks.enqueue,
    before_forget: BeforeForget | None = None,
) -> None:
    """Forgets this workspace's tokens and routing; with `delete_data`, purges the mail it brought. When no
    other workspace still uses the address, also stops Gmail's watch and revokes the grant: both are one
    per account at Google, so doing it while another workspace syncs the address would cut that one off."""
    store = store or MailboxStore()
    email = store.get(ref).get("email", "")  # NotFound for a mailbox that is not there
    try:
        refresh_token: str | None = store.refresh_token(ref)
    except MailboxDisconnected:
        refresh_token = None  # already gone on Google's side or ours: nothing to stop or revoke
    if before_forget is not None:
        before_forget(ref, refresh_token)
    store.forget(ref, "Disconnected. Connect Gmail again to resume syncing.")
    if refresh_token and not store.mailboxes_for_address(email):
        # Best effort on Google's side: the user asked to leave, and we forget the grant regardless.
        with contextlib.suppress(DomainError, requests.RequestException):
            GmailMailbox.for_refresh_token(refresh_token).stop_watch()
        with contextlib.suppress(requests.RequestException):
            (revoke or revoke_grant)(refresh_token)
    if delete_data:
        enqueue(
            tasks.MAINTENANCE_QUEUE,
            {"action": "purge_mailbox", "workspaceId": ref.workspace_id, "mailboxId": ref.mailbox_id},
        )


def revoke_grant(refresh_token: str, *, settings: Settings | None = None) -> None:
    """Best effort: tells Google to drop the grant. A grant already gone is fine."""
    settings = settings or get_settings()
    requests.post(settings.oauth_revoke_uri, params={"token": refresh_token}, timeout=10)


@dataclass
class RenewalReport:
    renewed: int = 0
    disconnected: int = 0
    failed: int = 0


def renew_watches(*, store: MailboxStore | None = None, sync: SyncService | None = None) -> RenewalReport:
    """Daily: renews every connected mailbox's watch (they lapse after 7 days) and queues a catch-up
    sync, which picks up whatever notifications Gmail dropped."""
    store = store or MailboxStore()
    sync = sync or SyncService(store=store)
    report = RenewalReport()
    for ref in store.connected_mailboxes():
        try:
            _watch(GmailMailbox.for_refresh_token(store.refresh_token(ref)), store, ref)
            sync.request_sync(ref)
            report.renewed += 1
        except MailboxDisconnected as error:
            store.mark_disconnected(ref, error.message)
            report.disconnected += 1
        except RetryLater as error:
            log.warning(
                "watch renewal failed; tomorrow's run retries",
                extra={"mailboxId": ref.mailbox_id, "error": error.message},
            )
            report.failed += 1
    return report
