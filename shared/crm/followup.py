"""After a backfill: the enrichment and relationship stats it held back, for every contact it touched.

Each ingestion of a backfill batch would otherwise ask for both, and a contact mailed throughout a
mailbox would have its stats recomputed from its newest 500 interactions once per batch: dozens of
times in one backfill (decision 11). The follow-up asks once, when the backfill's mail is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.enrichment.touched import request_enrichment
from shared.log import get_logger
from shared.messaging import tasks
from shared.pipeline import progress

log = get_logger("followup")
# How often to look again while a backfill's last batches are still on their way to ingestion, and
# for how long: Pub/Sub gives a batch up to its dead-letter topic well within this.
WAIT_SECONDS = 5.0
MAX_ATTEMPTS = 240


def follow_up_task(workspace_id: str, *, mailbox_id: str, run_id: str, attempt: int = 0) -> dict[str, Any]:
    """The maintenance task (functions/crm_maintenance.py) that runs `BackfillFollowUp`."""
    return {
        "action": "finish_backfill",
        "workspaceId": workspace_id,
        "mailboxId": mailbox_id,
        "syncRunId": run_id,
        "attempt": attempt,
    }


@dataclass(frozen=True)
class FollowUpOutcome:
    state: str  # "requested", "waiting" or "gone"
    contacts: int = 0


class BackfillFollowUp:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        enqueue: Callable[..., str] = tasks.enqueue,
        request: Callable[[str, Iterable[str]], None] = request_enrichment,
    ) -> None:
        self._db = db or firestore_client()
        self._enqueue = enqueue
        self._request = request

    def run(self, workspace_id: str, *, mailbox_id: str, run_id: str, attempt: int = 0) -> FollowUpOutcome:
        """Asks for enrichment of the run's contacts once its mail is stored; until then looks again
        later (idempotent: asking twice only recomputes the same stats)."""
        run = self._db.document("workspaces", workspace_id, "syncRuns", run_id).get()
        if not run.exists:
            return FollowUpOutcome("gone")
        data = run.to_dict() or {}
        counted = progress.totals(run.reference.collection("progress"))
        if counted["stored"] + counted["duplicates"] < int(data.get("fetched") or 0):
            if attempt < MAX_ATTEMPTS:
                task = follow_up_task(workspace_id, mailbox_id=mailbox_id, run_id=run_id, attempt=attempt + 1)
                self._enqueue(tasks.MAINTENANCE_QUEUE, task, delay_seconds=WAIT_SECONDS)
                return FollowUpOutcome("waiting")
            log.warning("backfill still not fully stored; enriching what is there", extra={"syncRunId": run_id})
        # Ingestion stamps every contact it counts mail for: those touched since the run began.
        touched = (
            self._db.collection("workspaces", workspace_id, "contacts")
            .where(filter=FieldFilter("updatedAt", ">=", data["startedAt"]))
            .select([])
        )
        contact_ids = [snapshot.id for snapshot in touched.stream()]
        if contact_ids:
            self._request(workspace_id, contact_ids)
        return FollowUpOutcome("requested", len(contact_ids))
