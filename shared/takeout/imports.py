"""Google Takeout imports in production: the browser uploads the mbox straight to Cloud Storage through a
resumable session this service opens, and the object's finalisation starts `run`, which streams it message by
message through the same pipeline as Gmail sync (batches on mail-fetched).

Every import is a document, `workspaces/{ws}/takeoutImports/{id}`, that the web app watches: its state, the
bytes and messages read so far, and the offset of the next message to read. The offset and the counts move
together after each batch was accepted by Pub/Sub, so a call that dies resumes where the last batch ended; a
batch sent again is stored once, as each message is one interaction created with a must-not-exist
precondition (its id comes from the Message-ID). One call holds a lease on the import while it reads, and
hands the rest to a fresh call after `takeout_slice_seconds`.

A call that fails counts the failure on the import and lets Pub/Sub deliver again; after MAX_FAILURES in a
row the import is `failed`, with the reason, and the person who started it is notified (decision 22). They
can retry it (it resumes from its offset) or dismiss it.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud import firestore

from shared import clients, notifications
from shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RetryLater
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.sync import publish_batch
from shared.log import get_logger
from shared.messaging import pubsub
from shared.pipeline.fetched import FetchedBatch, batches_for
from shared.principals import Principal, Role, at_least
from shared.settings import Settings, get_settings
from shared.takeout.mbox import READ_CHUNK, batched, read_messages, to_fetched

if TYPE_CHECKING:  # the storage client is built (and imported) only where uploads are read
    from google.cloud.storage import Bucket
    from google.cloud.storage import Client as StorageClient

TAKEOUT_IMPORTS = "takeoutImports"
TOPIC = "takeout_uploads"
BATCH_SIZE = 50
MAX_UPLOAD_BYTES = 50 * 1024**3  # the largest file Takeout splits an export into
LEASE_SECONDS = 600
MAX_FAILURES = 5  # calls in a row that fail before the import stops and says why
_OBJECT_NAME = re.compile(r"^takeout/(?P<workspace>[A-Za-z0-9_-]{1,128})/(?P<id>[a-f0-9]{20})\.mbox$")
log = get_logger(__name__)


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    name: str


def decode_notification(data: bytes) -> UploadedObject:
    """A Cloud Storage notification's payload (JSON_API_V1: the object resource), or our own continuation."""
    try:
        payload = json.loads(data)
        return UploadedObject(bucket=str(payload["bucket"]), name=str(payload["name"]))
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidInput("not a Cloud Storage object notification") from error


def object_name(workspace_id: str, import_id: str) -> str:
    return f"takeout/{workspace_id}/{import_id}.mbox"


class TakeoutImports:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        storage_client: StorageClient | None = None,
        store: MailboxStore | None = None,
        publish: Callable[[FetchedBatch], None] = publish_batch,
        hand_over: Callable[[UploadedObject], None] | None = None,
        settings: Settings | None = None,
        clock: Callable[[], float] = time.monotonic,
        chunk_size: int = READ_CHUNK,
    ) -> None:
        self._db = db or clients.firestore_client()
        self._storage = storage_client
        self._store = store or MailboxStore(db=self._db)
        self._publish = publish
        self._hand_over = hand_over or _publish_continuation
        self._settings = settings or get_settings()
        self._clock = clock
        self._chunk_size = chunk_size

    def _bucket(self) -> Bucket:
        name = self._settings.takeout_bucket
        if not name:
            raise InvalidInput("Takeout imports are not set up here (RAPPORT_TAKEOUT_BUCKET is not set)")
        return (self._storage or clients.storage_client()).bucket(name)

    def _doc(self, workspace_id: str, import_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces", workspace_id, TAKEOUT_IMPORTS).document(import_id)

    # -- upload -------------------------------------------------------------------------------
    def start_upload(
        self, workspace_id: str, principal: Principal, *, file_name: str, size: int, origin: str | None
    ) -> dict[str, Any]:
        """Opens a resumable upload session for one mbox and records the import. The session URL is the
        caller's only capability: it writes this one object and nothing else, and holds no credentials."""
        if not principal.email or not principal.email_verified:
            raise InvalidInput("a Takeout import needs your verified Google address: it is whose mail this is")
        if not 0 < size <= MAX_UPLOAD_BYTES:
            raise InvalidInput(f"size: an mbox of 1 byte to {MAX_UPLOAD_BYTES} bytes", field="size")
        owner = principal.email.strip().lower()
        if any(ref.workspace_id == workspace_id for ref in self._store.mailboxes_for_address(owner)):
            raise Conflict(f"{owner} is connected to Gmail here: its mail syncs from there already")
        import_id = uuid.uuid4().hex[:20]
        name = object_name(workspace_id, import_id)
        blob = self._bucket().blob(name)
        url = blob.create_resumable_upload_session(content_type="application/mbox", size=size, origin=origin)
        self._doc(workspace_id, import_id).set(
            {
                "state": "uploading",
                "fileName": file_name[:200],
                "size": size,
                "object": name,
                "ownerEmail": owner,
                "createdBy": principal.uid,
                "createdAt": datetime.now(UTC),
                "offset": 0,
                "read": 0,
                "published": 0,
                "skipped": 0,
            }
        )
        return {"importId": import_id, "uploadUrl": url, "object": name}

    # -- import -------------------------------------------------------------------------------
    def run(self, uploaded: UploadedObject) -> str:
        """Reads the uploaded mbox from where the import stands, for at most one slice of time. Returns the
        import's state afterwards ("done", "importing" when handed over, or why nothing was done)."""
        match = _OBJECT_NAME.match(uploaded.name)
        if match is None:
            log.info("ignored an object that is no Takeout upload", extra={"object": uploaded.name})
            return "ignored"
        workspace_id, import_id = match["workspace"], match["id"]
        doc = self._doc(workspace_id, import_id)
        holder = uuid.uuid4().hex
        claimed = self._claim(doc, holder)
        if claimed is None:
            return "done"
        try:
            return self._read(doc, uploaded, workspace_id, claimed)
        except Exception as error:
            if self._count_failure(doc, workspace_id, import_id, claimed, error):
                return "failed"
            raise  # delivered again by Pub/Sub, after its backoff

    def _read(
        self, doc: firestore.DocumentReference, uploaded: UploadedObject, workspace_id: str, claimed: dict[str, Any]
    ) -> str:
        ref, run_id = self._mailbox_and_run(doc, workspace_id, claimed)
        blob = self._bucket().blob(uploaded.name)
        deadline = self._clock() + self._settings.takeout_slice_seconds
        counts = {name: int(claimed.get(name) or 0) for name in ("read", "published", "skipped")}
        offset = int(claimed.get("offset") or 0)
        excluded = frozenset(self._settings.sync_excluded_labels)
        with blob.open("rb", chunk_size=self._chunk_size) as reader:
            reader.seek(offset)
            messages = read_messages(reader.read, start=offset, chunk_size=self._chunk_size)
            for chunk in batched(messages, BATCH_SIZE):
                fetched = [to_fetched(message.raw) for message in chunk]
                wanted = [m for m in fetched if not excluded.intersection(m.label_ids)]
                owner = claimed["ownerEmail"]
                for batch in batches_for(
                    wanted, workspace_id=workspace_id, mailbox_id=ref.mailbox_id, owner_email=owner, sync_run_id=run_id
                ):
                    self._publish(batch)
                counts["read"] += len(fetched)
                counts["published"] += len(wanted)
                counts["skipped"] += len(fetched) - len(wanted)
                offset = chunk[-1].end
                doc.update({**counts, "offset": offset, "leaseUntil": _lease_end()})
                if self._clock() > deadline:
                    doc.update({"leaseHolder": None, "leaseUntil": None})
                    self._hand_over(uploaded)
                    return "importing"
        self._store.finish_run(ref, run_id, listed=counts["read"], fetched=counts["published"])
        doc.update(
            {"state": "done", "finishedAt": datetime.now(UTC), "offset": offset, "leaseHolder": None, "failures": 0}
        )
        return "done"

    def _count_failure(
        self,
        doc: firestore.DocumentReference,
        workspace_id: str,
        import_id: str,
        claimed: dict[str, Any],
        error: Exception,
    ) -> bool:
        """Counts a failed call on the import and frees its lease for the next delivery; True when this was
        the last one allowed, and the import is now `failed` and its starter told."""
        failures = int(claimed.get("failures") or 0) + 1
        reason = _reason(error)
        log.warning(
            "a Takeout import call failed",
            extra={"document": doc.path, "failures": failures, "reason": reason},
            exc_info=error,
        )
        update: dict[str, Any] = {"failures": failures, "lastError": reason, "leaseHolder": None, "leaseUntil": None}
        if failures < MAX_FAILURES:
            doc.update(update)
            return False
        now = datetime.now(UTC)
        doc.update({**update, "state": "failed", "failedAt": now})
        file_name = str(claimed.get("fileName") or "your mbox")
        notifications.deliver(
            self._db.collection("workspaces").document(workspace_id),
            notifications.import_failed(
                recipient_uid=str(claimed.get("createdBy") or ""),
                # Once per round of attempts: a retried import that fails again says so again.
                key=f"import-failed-takeout-{import_id}-{int(claimed.get('retries') or 0)}",
                title=f"The Takeout import of {file_name} failed",
                reason=f"{reason} Retry it or dismiss it on the Imports page.",
                import_id=import_id,
            ),
            db=self._db,
        )
        return True

    # -- after a failure ----------------------------------------------------------------------
    def retry(self, workspace_id: str, principal: Principal, role: Role, import_id: str) -> dict[str, Any]:
        """A failed import starts again from the message it stopped at, with its failures forgotten."""
        doc = self._doc(workspace_id, import_id)
        data = self._failed_import(doc, principal, role, import_id)
        retries = int(data.get("retries") or 0) + 1
        doc.update(
            {"state": "queued", "failures": 0, "retries": retries, "lastError": None, "retriedBy": principal.uid},
            option=self._db.write_option(last_update_time=data["_updated"]),
        )
        self._hand_over(UploadedObject(bucket=self._bucket().name, name=str(data["object"])))
        return {"importId": import_id, "state": "queued"}

    def dismiss(self, workspace_id: str, principal: Principal, role: Role, import_id: str) -> dict[str, Any]:
        """A failed import is put away: its mail read so far stays, and it is no longer shown as failing."""
        doc = self._doc(workspace_id, import_id)
        data = self._failed_import(doc, principal, role, import_id)
        doc.update(
            {"state": "dismissed", "dismissedBy": principal.uid, "dismissedAt": datetime.now(UTC)},
            option=self._db.write_option(last_update_time=data["_updated"]),
        )
        return {"importId": import_id, "state": "dismissed"}

    def _failed_import(
        self, doc: firestore.DocumentReference, principal: Principal, role: Role, import_id: str
    ) -> dict[str, Any]:
        snapshot = doc.get()
        if not snapshot.exists:
            raise NotFound("no such Takeout import", id=import_id)
        data = snapshot.to_dict() or {}
        if data.get("createdBy") != principal.uid and not at_least(role, Role.ADMIN):
            raise PermissionDenied("only whoever started this import, or an admin, can retry or dismiss it")
        if data.get("state") != "failed":
            raise Conflict(f"this import is {data.get('state')}; only a failed import can be retried or dismissed")
        return {**data, "_updated": snapshot.update_time}

    def _claim(self, doc: firestore.DocumentReference, holder: str) -> dict[str, Any] | None:
        """The import's document, once this call holds its lease; None when it is done or unknown. While
        another call reads it (a duplicate notification), RetryLater: should that call die, a redelivery
        takes over once its lease ran out."""

        @firestore.transactional
        def claim(transaction: firestore.Transaction) -> dict[str, Any] | None:
            snapshot = doc.get(transaction=transaction)
            data = snapshot.to_dict() if snapshot.exists else None
            if data is None:
                log.warning("an upload without its import record", extra={"document": doc.path})
                return None
            lease_until = data.get("leaseUntil")
            if data.get("state") in ("done", "failed", "dismissed"):
                return None  # a failed import waits for its starter to retry it
            if lease_until is not None and lease_until > datetime.now(UTC):
                raise RetryLater("another call is reading this import", retry_after_seconds=60)
            transaction.update(doc, {"state": "importing", "leaseHolder": holder, "leaseUntil": _lease_end()})
            return data

        return claim(self._db.transaction())

    def _mailbox_and_run(
        self, doc: firestore.DocumentReference, workspace_id: str, data: dict[str, Any]
    ) -> tuple[MailboxRef, str]:
        """The imported mailbox and the sync run the pipeline counts into, made by the first call only."""
        ref = self._store.ensure_imported_mailbox(
            workspace_id=workspace_id, owner_uid=data["createdBy"], email=data["ownerEmail"]
        )
        run_id = data.get("runId")
        if not run_id:
            run_id = self._store.start_run(ref, kind="import")
            doc.update({"runId": run_id, "mailboxId": ref.mailbox_id, "startedAt": datetime.now(UTC)})
        return ref, str(run_id)

    def get(self, workspace_id: str, import_id: str) -> dict[str, Any]:
        snapshot = self._doc(workspace_id, import_id).get()
        if not snapshot.exists:
            raise NotFound("no such Takeout import", id=import_id)
        return snapshot.to_dict() or {}


def _reason(error: Exception) -> str:
    """What the person is shown: the error's own words, without a trace."""
    if isinstance(error, exceptions.NotFound):
        return "The uploaded file is not in storage any more; upload it again."
    words = str(error).strip() or type(error).__name__
    return words[:300] if words.endswith(".") else f"{words[:299]}."


def _lease_end() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS)


def _publish_continuation(uploaded: UploadedObject) -> None:
    pubsub.publish(TOPIC, [json.dumps({"bucket": uploaded.bucket, "name": uploaded.name}).encode()])
