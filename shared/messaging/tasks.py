"""Cloud Tasks: enqueue work for an HTTP function of resources.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import timestamp_pb2

from shared.clients import tasks_client
from shared.identity import expected_caller
from shared.resources import resources
from shared.settings import get_settings

# The queue of long CRM repairs and follow-ups (functions/crm_maintenance.py).
MAINTENANCE_QUEUE = "crm_maintenance"


def enqueue(queue_key: str, payload: dict[str, Any], *, delay_seconds: float = 0.0) -> str:
    """Adds a task that POSTs `payload` as JSON to the queue's function; returns the task name."""
    from google.cloud import tasks_v2  # here, not at the top: most functions never enqueue (cold starts)

    settings = get_settings()
    queue = resources().queues[queue_key]
    caller = expected_caller(queue.function, settings=settings)
    if caller is None:
        raise ValueError(f"queue {queue_key} feeds {queue.function}, which resources.json does not give Cloud Tasks")
    http_request: dict[str, Any] = {
        "http_method": tasks_v2.HttpMethod.POST,
        "url": f"{(settings.tasks_base_url or settings.functions_base_url).rstrip('/')}/{queue.function}",
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload).encode(),
        # Cloud Tasks signs each call as the tasks invoker, for the function's URL; the function checks both.
        "oidc_token": {"service_account_email": caller.email, "audience": caller.audience},
    }
    task: dict[str, Any] = {"http_request": http_request}
    if delay_seconds > 0:
        when = timestamp_pb2.Timestamp()
        when.FromDatetime(datetime.now(UTC) + timedelta(seconds=delay_seconds))
        task["schedule_time"] = when
    parent = tasks_client().queue_path(settings.project_id, settings.region, queue.name)
    return str(tasks_client().create_task(parent=parent, task=tasks_v2.Task(task)).name)
