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
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.crm import audit
from shared.crm.models import PipelineUpdate
from shared.errors import Conflict, InvalidInput, RetryLater
from shared.principals import Principal

PIPELINES = "pipelines"
DEALS_PIPELINE = "deals"
MOVE_BATCH = 200  # deals read per round of a stage's removal
MOVE_ROUNDS = 1000  # at most 200,000 deals moved by one call
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
        """Replaces the stages. Deals in a removed stage move first, to the stage `body.moves` names for it,
        in audited batches; the stages are saved after, so a call cut short can simply be made again."""
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
        moves = self._planned_moves(workspace, current, ids, body.moves)
        for removed, target in moves.items():
            self._move_deals(workspace, actor, removed, target)
        now = self._now()
        after = {**body.changes(), "version": body.version + 1, "updatedAt": now, "updatedBy": actor.uid}
        batch = self._db.batch()
        if snapshot.exists:
            batch.update(reference, after, option=self._db.write_option(last_update_time=snapshot.update_time))
        else:
            batch.create(reference, after)
        logged = {**after, "movedDeals": moves} if moves else after
        audit.record(
            batch, workspace, audit.AuditEntry(actor, "update", "pipeline", DEALS_PIPELINE, before, logged, now)
        )
        try:
            batch.commit()
        except (exceptions.FailedPrecondition, exceptions.AlreadyExists) as error:
            raise Conflict(
                "the pipeline was changed by someone else meanwhile", current=audit.public(self.get(workspace_id))
            ) from error
        return audit.public(after) or {}

    def _planned_moves(
        self, workspace: firestore.DocumentReference, current: dict[str, Any], ids: list[str], moves: dict[str, str]
    ) -> dict[str, str]:
        """Where the deals of each removed stage go; a removed stage holding deals must be given a target."""
        removed = [stage["id"] for stage in current.get("stages", []) if stage["id"] not in ids]
        for source, target in moves.items():
            if source not in removed:
                raise InvalidInput(f"moves: {source} is not a stage being removed", field="moves")
            if target not in ids:
                raise InvalidInput(f"moves: {target} is not a stage of the new pipeline", field="moves")
        planned: dict[str, str] = {}
        for source in removed:
            held = self._deal_count(workspace, source)
            if held and source not in moves:
                raise InvalidInput(
                    f"moves: {held} deal(s) are in {source}; name the stage they move to", field="moves", stage=source
                )
            if held:
                planned[source] = moves[source]
        return planned

    @staticmethod
    def _deal_count(workspace: firestore.DocumentReference, stage: str) -> int:
        query = workspace.collection("deals").where(filter=FieldFilter("stage", "==", stage))
        return int(query.count().get()[0][0].value)

    def _move_deals(self, workspace: firestore.DocumentReference, actor: Principal, source: str, target: str) -> None:
        """Every deal in `source` moves to `target`, a batch at a time, each change versioned and audited
        like a hand-made one, in one commit per batch."""
        in_source = workspace.collection("deals").where(filter=FieldFilter("stage", "==", source)).limit(MOVE_BATCH)
        for _ in range(MOVE_ROUNDS):
            page = list(in_source.stream())
            if not page:
                return
            now = self._now()
            batch = self._db.batch()
            for snapshot in page:
                before = snapshot.to_dict() or {}
                write = {
                    "stage": target,
                    "version": before.get("version", 0) + 1,
                    "updatedAt": now,
                    "updatedBy": actor.uid,
                }
                batch.update(
                    snapshot.reference, write, option=self._db.write_option(last_update_time=snapshot.update_time)
                )
                entry = audit.AuditEntry(actor, "update", "deal", snapshot.id, before, {**before, **write}, now)
                audit.record(batch, workspace, entry)
            try:
                batch.commit()
            except exceptions.FailedPrecondition:
                continue  # a deal changed since the query: the round is read again, none of it was written
        raise RetryLater("deals in the removed stage keep changing; try again")
