"""Mail indexing as a chain of short runs: each pass embeds from the workspace's cursor until its deadline
and, when mail is left (a backfill of a large mailbox), hands the rest to a Cloud Task on the
crm-maintenance queue, which does the same. A run that died leaves the cursor where its last page ended,
so the chain resumes there; a pass over mail already embedded calls no model."""

from __future__ import annotations

from typing import Any

from shared.log import get_logger
from shared.mailsearch.index import IndexReport, MailIndex
from shared.messaging import tasks

log = get_logger("mail_index")

ACTION = "index_mail"
# A pass run by Pub/Sub stays well inside its 120 s acknowledgement deadline; a Cloud Task may run longer.
PUSH_PASS_SECONDS = 60.0
TASK_PASS_SECONDS = 240.0
# When another pass holds the lease, look again after it may have finished (it may have missed our mail).
BUSY_RETRY_SECONDS = 30.0


def index_task(workspace_id: str) -> dict[str, Any]:
    """The maintenance task (functions/crm_maintenance.py) that runs one more pass."""
    return {"action": ACTION, "workspaceId": workspace_id}


def request_index(workspace_id: str) -> None:
    """Asks for a pass soon (a maintenance task), for content stored without mail's contacts message."""
    tasks.enqueue(tasks.MAINTENANCE_QUEUE, index_task(workspace_id))


def continue_index(
    workspace_id: str, *, seconds: float = PUSH_PASS_SECONDS, index: MailIndex | None = None
) -> IndexReport:
    report = (index or MailIndex()).catch_up(workspace_id, seconds=seconds)
    if report.busy:
        tasks.enqueue(tasks.MAINTENANCE_QUEUE, index_task(workspace_id), delay_seconds=BUSY_RETRY_SECONDS)
    elif not report.done and not report.over_budget:
        tasks.enqueue(tasks.MAINTENANCE_QUEUE, index_task(workspace_id))
    log.info("mail indexed", extra={"workspaceId": workspace_id, **report.summary()})
    return report
