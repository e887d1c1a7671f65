"""Connected mailboxes in Firestore: routing, encrypted credentials, the sync cursor and the sync lease."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import ids, notifications
from shared.clients import firestore_client
from shared.crypto import EncryptedSecret, SecretBox, secret_box
from shared.errors import MailboxDisconnected, NotFound
from shared.transactions import WRITE_RETRY, transactional

MAILBOX_INDEX = "mailboxIndex"
ROUTES = "workspaces"  # mailboxIndex/{address}/workspaces/{workspaceId}: one route per workspace
MAILBOX_CREDENTIALS = "mailboxCredentials"


@dataclass(frozen=True)
class MailboxRef:
    workspace_id: str
    mailbox_id: str


def own_connected_mailboxes(workspace_id: str, uid: str, sign_in_email: str | None) -> list[MailboxRef]:
    """A user's own connected mailboxes in this workspace, their sign-in address first."""
    mailboxes = firestore_client().collection("workspaces", workspace_id, "mailboxes")
    owned = mailboxes.where(filter=FieldFilter("ownerUid", "==", uid)).stream()
    connected = [snapshot for snapshot in owned if (snapshot.to_dict() or {}).get("status") == "connected"]
    own = (sign_in_email or "").lower()
    connected.sort(key=lambda snapshot: (snapshot.to_dict() or {}).get("email") != own)
    return [MailboxRef(workspace_id, snapshot.id) for snapshot in connected]


def credentials_id(ref: MailboxRef) -> str:
    """The credentials document of a workspace's mailbox; also the context its sealed token is bound to,
    so a token copied to another workspace's document does not open."""
    return f"{ref.workspace_id}_{ref.mailbox_id}"


class MailboxStore:
    def __init__(self, *, db: firestore.Client | None = None, box: SecretBox | None = None) -> None:
        self._db = db or firestore_client()
        self._box = box or secret_box()

    def _doc(self, ref: MailboxRef) -> firestore.DocumentReference:
        return self._db.document("workspaces", ref.workspace_id, "mailboxes", ref.mailbox_id)

    def _update(self, ref: MailboxRef, fields: dict[str, Any]) -> None:
        # The sync's transactions hold this document often; a plain write waits on them and may be aborted.
        self._doc(ref).update(fields, retry=WRITE_RETRY)

    # -- routing and credentials ----------------------------------------------------------------
    # One Gmail address may be connected in several workspaces, each with its own grant, cursor and
    # mail: routing and credentials are keyed by (workspace, address), and a push notification, which
    # names only the address, reaches every workspace's mailbox for it (decision 18).
    def _route(self, address: str, workspace_id: str) -> firestore.DocumentReference:
        return self._db.document(MAILBOX_INDEX, address, ROUTES, workspace_id)

    def _credentials(self, ref: MailboxRef) -> firestore.DocumentReference:
        return self._db.document(MAILBOX_CREDENTIALS, credentials_id(ref))

    # Connections made before decision 15 were stored by address alone: `mailboxIndex/{address}` and
    # `mailboxCredentials/{mailboxId}` stay readable for the workspace they name until it reconnects or
    # disconnects, so a deployment keeps syncing them.
    def _legacy_route(self, address: str) -> firestore.DocumentReference:
        return self._db.document(MAILBOX_INDEX, address)

    def _legacy_ref(self, address: str) -> MailboxRef | None:
        data = self._legacy_route(address).get().to_dict() or {}
        return MailboxRef(data["workspaceId"], data["mailboxId"]) if data.get("workspaceId") else None

    def _drop_legacy(self, batch: firestore.WriteBatch, ref: MailboxRef, address: str) -> None:
        if self._legacy_ref(address) == ref:
            batch.delete(self._legacy_route(address))
            batch.delete(self._db.document(MAILBOX_CREDENTIALS, ref.mailbox_id))

    def mailboxes_for_address(self, email: str) -> list[MailboxRef]:
        """Every workspace's connected mailbox for this address."""
        address = email.strip().lower()
        routes = self._db.collection(MAILBOX_INDEX, address, ROUTES).stream()
        refs = [MailboxRef(data["workspaceId"], data["mailboxId"]) for data in (r.to_dict() or {} for r in routes)]
        legacy = self._legacy_ref(address)
        return refs if legacy is None or legacy in refs else [*refs, legacy]

    def save_connection(self, *, workspace_id: str, owner_uid: str, email: str, refresh_token: str) -> MailboxRef:
        """Stores (or replaces) this workspace's grant for a mailbox; reconnecting keeps its cursor and history.
        The same address in another workspace is left as it is."""
        address = email.strip().lower()
        ref = MailboxRef(workspace_id, ids.mailbox_id(address))
        sealed = self._box.seal(refresh_token, context=credentials_id(ref))
        now = datetime.now(UTC)
        batch = self._db.batch()
        batch.set(
            self._credentials(ref),
            {"workspaceId": workspace_id, "email": address, "refreshToken": sealed.model_dump(), "updatedAt": now},
        )
        batch.set(self._route(address, workspace_id), {"workspaceId": workspace_id, "mailboxId": ref.mailbox_id})
        self._drop_legacy(batch, ref, address)
        batch.set(
            self._doc(ref),
            {
                "email": address,
                "ownerUid": owner_uid,
                "status": "connected",
                "connectedAt": now,
                "sync": {"stage": "queued", "lastError": None},
            },
            merge=True,
        )
        batch.commit(retry=WRITE_RETRY)  # reconnecting while a sync holds the mailbox
        return ref

    def ensure_imported_mailbox(self, *, workspace_id: str, owner_uid: str, email: str) -> MailboxRef:
        """A mailbox known only from imported mail: no grant, no watch, never synced from Gmail."""
        address = email.strip().lower()
        ref = MailboxRef(workspace_id, ids.mailbox_id(address))
        self._doc(ref).set(
            {"email": address, "ownerUid": owner_uid, "status": "imported", "sync": {"stage": "idle"}}, merge=True
        )
        return ref

    def refresh_token(self, ref: MailboxRef) -> str:
        snapshot, context = self._credentials(ref).get(), credentials_id(ref)
        if not snapshot.exists:
            snapshot, context = self._db.document(MAILBOX_CREDENTIALS, ref.mailbox_id).get(), ref.mailbox_id
            if (snapshot.to_dict() or {}).get("workspaceId") != ref.workspace_id:
                raise MailboxDisconnected("this mailbox has no stored Google grant; connect Gmail again")
        sealed = EncryptedSecret.model_validate((snapshot.to_dict() or {})["refreshToken"])
        return self._box.open(sealed, context=context)

    def exists(self, ref: MailboxRef) -> bool:
        return bool(self._doc(ref).get(field_paths=["status"]).exists)

    def get(self, ref: MailboxRef) -> dict[str, Any]:
        snapshot = self._doc(ref).get()
        if not snapshot.exists:
            raise NotFound("no such mailbox", mailbox_id=ref.mailbox_id)
        return snapshot.to_dict() or {}

    # -- notifications ----------------------------------------------------------------------------
    def claim_notification(self, ref: MailboxRef, history_id: int, *, window: timedelta) -> bool:
        """True when this notification needs a sync task: it is newer than both the cursor and
        any sync already queued within `window`. Duplicates and stragglers collapse here."""

        @transactional
        def claim(transaction: firestore.Transaction) -> bool:
            snapshot = self._doc(ref).get(transaction=transaction)
            if not snapshot.exists:
                raise NotFound("no such mailbox", mailbox_id=ref.mailbox_id)
            data = snapshot.to_dict() or {}
            if data.get("status") != "connected" or history_id <= int(data.get("historyId") or 0):
                return False
            pending = data.get("pendingSync") or {}
            queued_recently = pending.get("at") and pending["at"] > datetime.now(UTC) - window
            return not (queued_recently and history_id <= int(pending.get("historyId") or 0))

        return bool(claim(self._db.transaction()))

    def mark_sync_queued(self, ref: MailboxRef, history_id: int) -> None:
        self._update(
            ref,
            {
                "pendingSync": {"historyId": history_id, "at": firestore.SERVER_TIMESTAMP},
                "notifiedHistoryId": history_id,
            },
        )

    # -- the sync lease ---------------------------------------------------------------------------
    def acquire_lease(self, ref: MailboxRef, holder: str, *, seconds: int) -> bool:
        """One sync worker per mailbox. A worker that finds the lease taken asks its holder to run once more."""

        @transactional
        def acquire(transaction: firestore.Transaction) -> bool:
            snapshot = self._doc(ref).get(transaction=transaction)
            if not snapshot.exists:
                raise NotFound("no such mailbox", mailbox_id=ref.mailbox_id)
            lease = (snapshot.to_dict() or {}).get("lease") or {}
            now = datetime.now(UTC)
            if (
                lease.get("holder")
                and lease["holder"] != holder
                and lease.get("expiresAt")
                and lease["expiresAt"] > now
            ):
                transaction.update(self._doc(ref), {"resyncRequested": True})
                return False
            transaction.update(
                self._doc(ref),
                {"lease": {"holder": holder, "expiresAt": now + timedelta(seconds=seconds)}, "resyncRequested": False},
            )
            return True

        return bool(acquire(self._db.transaction()))

    def release_or_continue(self, ref: MailboxRef, holder: str) -> bool:
        """Called by the holder after a pass: True means run again (something arrived meanwhile)."""

        @transactional
        def finish(transaction: firestore.Transaction) -> bool:
            data = self._doc(ref).get(transaction=transaction).to_dict() or {}
            if data.get("resyncRequested"):
                transaction.update(self._doc(ref), {"resyncRequested": False})
                return True
            if (data.get("lease") or {}).get("holder") == holder:
                transaction.update(self._doc(ref), {"lease": firestore.DELETE_FIELD})
            return False

        return bool(finish(self._db.transaction()))

    def renew_lease(self, ref: MailboxRef, holder: str, *, seconds: int) -> bool:
        """Extends the holder's lease; False when it is no longer theirs (it lapsed and another took it)."""

        @transactional
        def renew(transaction: firestore.Transaction) -> bool:
            data = self._doc(ref).get(transaction=transaction).to_dict() or {}
            if (data.get("lease") or {}).get("holder") != holder:
                return False
            expires = datetime.now(UTC) + timedelta(seconds=seconds)
            transaction.update(self._doc(ref), {"lease.expiresAt": expires})
            return True

        return bool(renew(self._db.transaction()))

    def release_lease(self, ref: MailboxRef, holder: str) -> None:
        @transactional
        def release(transaction: firestore.Transaction) -> None:
            data = self._doc(ref).get(transaction=transaction).to_dict() or {}
            if (data.get("lease") or {}).get("holder") == holder:
                transaction.update(self._doc(ref), {"lease": firestore.DELETE_FIELD})

        release(self._db.transaction())

    # -- cursor and status -----------------------------------------------------------------------
    def advance_cursor(self, ref: MailboxRef, history_id: int, **sync_fields: Any) -> None:
        """Moves the cursor forward only; a late writer with an older historyId changes nothing.
        The mailbox is idle again unless a backfill is still fetching."""

        @transactional
        def advance(transaction: firestore.Transaction) -> None:
            data = self._doc(ref).get(transaction=transaction).to_dict() or {}
            update: dict[str, Any] = {f"sync.{key}": value for key, value in sync_fields.items()}
            if history_id > int(data.get("historyId") or 0):
                update["historyId"] = history_id
            if not (data.get("sync") or {}).get("backfillRunId"):
                update["sync.stage"] = "idle"
                update["sync.lastError"] = None
            transaction.update(self._doc(ref), update)

        advance(self._db.transaction())

    # -- sync runs: the audit trail of what each pass brought in ----------------------------------
    def _run(self, ref: MailboxRef, run_id: str) -> firestore.DocumentReference:
        return self._db.document("workspaces", ref.workspace_id, "syncRuns", run_id)

    def start_run(self, ref: MailboxRef, *, kind: str) -> str:
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        self._run(ref, run_id).set(
            {"mailboxId": ref.mailbox_id, "kind": kind, "state": "running", "startedAt": datetime.now(UTC)},
            merge=True,  # ingestion may already be counting into it
        )
        return run_id

    def finish_run(self, ref: MailboxRef, run_id: str, *, listed: int, fetched: int) -> None:
        batch = self._db.batch()
        batch.update(
            self._run(ref, run_id),
            {"state": "done", "listed": listed, "fetched": fetched, "finishedAt": datetime.now(UTC)},
        )
        batch.update(self._doc(ref), {"sync.fetched": firestore.Increment(fetched)})
        batch.commit()

    def plan_backfill(self, ref: MailboxRef, run_id: str, *, chunks: int, listed: int) -> None:
        batch = self._db.batch()
        batch.update(self._run(ref, run_id), {"listed": listed, "chunks": chunks, "chunksDone": 0, "fetched": 0})
        if chunks:
            batch.update(self._doc(ref), {"sync.stage": "fetching", "sync.backfillRunId": run_id})
        else:
            batch.update(self._run(ref, run_id), {"state": "done", "finishedAt": datetime.now(UTC)})
        batch.commit()

    def complete_chunk(self, ref: MailboxRef, run_id: str, chunk: int, *, fetched: int) -> bool:
        """Counts a fetched chunk exactly once; the last chunk ends the backfill. True when this call
        counted the run's last chunk (a chunk counted before returns False)."""
        run = self._run(ref, run_id)
        marker = run.collection("chunks").document(str(chunk))

        @transactional
        def complete(transaction: firestore.Transaction) -> bool:
            if marker.get(transaction=transaction).exists:
                return False
            progress = run.get(transaction=transaction).to_dict() or {}
            mailbox = self._doc(ref).get(transaction=transaction).to_dict() or {}
            done = int(progress.get("chunksDone", 0)) + 1
            transaction.create(marker, {"fetched": fetched, "at": datetime.now(UTC)})
            run_update: dict[str, Any] = {"chunksDone": done, "fetched": firestore.Increment(fetched)}
            mailbox_update: dict[str, Any] = {"sync.fetched": firestore.Increment(fetched)}
            if done >= int(progress.get("chunks", 0)):
                run_update.update(state="done", finishedAt=datetime.now(UTC))
                if (mailbox.get("sync") or {}).get("backfillRunId") == run_id:
                    mailbox_update.update({"sync.stage": "idle", "sync.backfillRunId": firestore.DELETE_FIELD})
                    mailbox_update["sync.lastSuccessAt"] = datetime.now(UTC)
            transaction.update(run, run_update)
            transaction.update(self._doc(ref), mailbox_update)
            return done >= int(progress.get("chunks", 0))

        return bool(complete(self._db.transaction()))

    def reset_cursor(self, ref: MailboxRef) -> None:
        self._update(ref, {"historyId": firestore.DELETE_FIELD})

    def update_sync(self, ref: MailboxRef, **fields: Any) -> None:
        self._update(ref, {f"sync.{key}": value for key, value in fields.items()})

    def count_sync(self, ref: MailboxRef, **increments: int) -> None:
        self._update(ref, {f"sync.{key}": firestore.Increment(n) for key, n in increments.items()})

    def save_watch(self, ref: MailboxRef, *, history_id: int, expiration_ms: int) -> None:
        self._update(
            ref, {"watch": {"historyId": history_id, "expiration": datetime.fromtimestamp(expiration_ms / 1000, UTC)}}
        )

    def connected_mailboxes(self) -> list[MailboxRef]:
        query = self._db.collection_group("mailboxes").where(filter=FieldFilter("status", "==", "connected"))
        return [MailboxRef(s.reference.parent.parent.id, s.id) for s in query.stream()]

    def forget(self, ref: MailboxRef, reason: str) -> None:
        """Drops this workspace's grant and routing; the mailbox document stays to say what happened.
        Other workspaces that connected the same address keep theirs."""
        email = self.get(ref).get("email", "")
        batch = self._db.batch()
        batch.delete(self._credentials(ref))
        if email:
            batch.delete(self._route(email, ref.workspace_id))
            self._drop_legacy(batch, ref, email)
        batch.update(
            self._doc(ref),
            {
                "status": "disconnected",
                "sync.stage": "disconnected",
                "sync.lastError": reason,
                "watch": firestore.DELETE_FIELD,
                "lease": firestore.DELETE_FIELD,
                "historyId": firestore.DELETE_FIELD,
            },
        )
        batch.commit()

    def mark_disconnected(self, ref: MailboxRef, reason: str) -> None:
        """Google refused the grant. A backfill cut short loses its cursor: the chunks it had not
        fetched are older than the cursor, so only a full sync on reconnecting brings them in."""

        @transactional
        def mark(transaction: firestore.Transaction) -> None:
            snapshot = self._doc(ref).get(transaction=transaction)
            if not snapshot.exists:
                raise NotFound("no such mailbox", mailbox_id=ref.mailbox_id)
            update: dict[str, Any] = {
                "status": "disconnected",
                "sync.stage": "disconnected",
                "sync.lastError": reason,
                "lease": firestore.DELETE_FIELD,
            }
            backfill_run_id = ((snapshot.to_dict() or {}).get("sync") or {}).get("backfillRunId")
            if backfill_run_id:
                update.update({"historyId": firestore.DELETE_FIELD, "sync.backfillRunId": firestore.DELETE_FIELD})
                transaction.set(
                    self._run(ref, backfill_run_id),
                    {"state": "interrupted", "finishedAt": datetime.now(UTC), "error": reason},
                    merge=True,
                )
            mailbox = snapshot.to_dict() or {}
            if mailbox.get("status") == "connected" and mailbox.get("ownerUid"):
                # The connected-to-disconnected turn happens once per connection: a retry finds it done.
                workspace = self._db.collection("workspaces").document(ref.workspace_id)
                notifications.add(transaction, workspace, _sync_failed(ref, mailbox, reason), now)
            transaction.update(self._doc(ref), update)

        now = datetime.now(UTC)
        mark(self._db.transaction())


def _sync_failed(ref: MailboxRef, mailbox: dict[str, Any], reason: str) -> notifications.Notification:
    connected_at = mailbox.get("connectedAt")
    generation = int(connected_at.timestamp()) if isinstance(connected_at, datetime) else 0
    return notifications.Notification(
        kind=notifications.NotificationKind.SYNC_FAILED,
        recipient_uid=str(mailbox.get("ownerUid") or ""),
        key=f"sync-failed-{ref.mailbox_id}-{generation}",
        title=f"Gmail sync stopped for {mailbox.get('email') or 'your mailbox'}",
        body=f"{reason} Connect Gmail again in Settings to resume.",
        link={"kind": "settings", "id": ref.mailbox_id},
    )
