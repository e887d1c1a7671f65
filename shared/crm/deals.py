"""The deal pipeline: each workspace's stages, and the check that a deal sits in one of them.

Stages live on one document, `workspaces/{ws}/pipelines/deals`, versioned like every record so
two admins editing the stages never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore

from shared.clients import firestore_client
from shared.crm import audit
from shared.crm.models import PipelineUpdate
from shared.errors import Conflict, InvalidInput
from shared.principals import Principal

PIPELINES = "pipelines"
DEALS_PIPELINE = "deals"
DEFAULT_STAGES = (
    {"id": "lead", "name": "Lead"},
    {"id": "qualified", "name": "Qualified"},
    {"id": "proposal", "name": "Proposal"},
    {"id": "negotiation", "name": "Negotiation"},
    {"id": "won", "name": "Won"},
    {"id": "lost", "name": "Lost"},
)


def _pipeline_ref(workspace: firestore.DocumentReference) -> firestore.DocumentReference:
    return workspace.collection(PIPELINES).document(DEALS_PIPELINE)


def read_pipeline(workspace: firestore.DocumentReference) -> dict[str, Any]:
    """The stored pipeline, or the default one a new workspace starts with (version 0)."""
    data = _pipeline_ref(workspace).get().to_dict()
    return data or {"stages": [dict(stage) for stage in DEFAULT_STAGES], "version": 0}


def check_stage(workspace: firestore.DocumentReference, fields: dict[str, Any], creating: bool) -> dict[str, Any]:
    """A deal's stage must be one of the pipeline's; a new deal without one starts in the first."""
    if "stage" not in fields:
        return {}
    stage_ids = [stage["id"] for stage in read_pipeline(workspace)["stages"]]
    stage = fields["stage"]
    if stage is None and creating:
        return {"stage": stage_ids[0]}
    if stage not in stage_ids:
        raise InvalidInput(f"stage: not a stage of this pipeline ({', '.join(stage_ids)})", field="stage")
    return {}


class Pipelines:
    def __init__(self, *, db: firestore.Client | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self._db = db or firestore_client()
        self._now = clock or (lambda: datetime.now(UTC))

    def get(self, workspace_id: str) -> dict[str, Any]:
        return read_pipeline(self._db.collection("workspaces").document(workspace_id))

    def update(self, workspace_id: str, actor: Principal, body: PipelineUpdate) -> dict[str, Any]:
        """Replaces the stages. Deals in a removed stage keep it until someone moves them."""
        ids = [stage.id for stage in body.stages]
        if len(set(ids)) != len(ids):
            raise InvalidInput("stages: each stage id may appear once", field="stages")
        workspace = self._db.collection("workspaces").document(workspace_id)
        reference = _pipeline_ref(workspace)
        snapshot = reference.get()
        before = snapshot.to_dict() if snapshot.exists else None
        current = before or self.get(workspace_id)
        if body.version != current.get("version", 0):
            raise Conflict("the pipeline was changed by someone else since you read it", current=audit.public(current))
        now = self._now()
        after = {**body.changes(), "version": body.version + 1, "updatedAt": now, "updatedBy": actor.uid}
        batch = self._db.batch()
        if snapshot.exists:
            batch.update(reference, after, option=self._db.write_option(last_update_time=snapshot.update_time))
        else:
            batch.create(reference, after)
        audit.record(
            batch, workspace, audit.AuditEntry(actor, "update", "pipeline", DEALS_PIPELINE, before, after, now)
        )
        try:
            batch.commit()
        except (exceptions.FailedPrecondition, exceptions.AlreadyExists) as error:
            raise Conflict(
                "the pipeline was changed by someone else meanwhile", current=audit.public(self.get(workspace_id))
            ) from error
        return audit.public(after) or {}
