"""Changes the assistant proposes, kept until the user who asked confirms or declines them.

A proposal is `workspaces/{ws}/members/{uid}/proposals/{id}`: what (a tool, a record kind, create
or update), on which record, with which values (the API body, validated again on confirming), and
a one-line summary the UI shows. Only its user reads it (firestore.rules); only the API changes it.

Confirming runs the same service as the HTTP API, as the user, through the assistant (`via`, which
the audit entry records); the proposal is claimed first (pending → applying, conditional on the
document being unchanged), so two confirmations cannot both apply it. Declining, or ignoring it,
writes nothing but the proposal's own status.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.assistant.context import ToolContext
from shared.auth import require_role
from shared.clients import firestore_client
from shared.crm import audit
from shared.crm.audit import public
from shared.crm.kinds import KINDS, records
from shared.crm.records import Kind
from shared.errors import Conflict, DomainError, GrantNeeded, NotFound
from shared.gmail.drafts import Draft, create_draft
from shared.log import get_logger
from shared.principals import Principal, Role

log = get_logger("proposals")
VIA_ASSISTANT = "assistant"
PENDING, APPLYING, CONFIRMED, DECLINED, FAILED, WITHDRAWN = (
    "pending", "applying", "confirmed", "declined", "failed", "withdrawn"
)  # fmt: skip
Operation = Literal["create", "update"]
# A draft in the user's own Gmail (shared/gmail/drafts.py), not a CRM record: confirming creates it there.
DRAFT_TOOL, DRAFTS = "draft_email", "gmailDrafts"
DRAFT_ENTITY = "draft"
# What the audit log keeps of a draft: to whom, about what, where; never its text, which is the user's own mail.
_AUDITED_DRAFT_FIELDS = ("contactId", "to", "toIsContact", "subject", "threadId")


@dataclass(frozen=True)
class Proposal:
    tool: str
    collection: str
    operation: Operation
    body: dict[str, Any]
    summary: str
    conversation_id: str
    message_id: str
    record_id: str | None = None

    @classmethod
    def of(
        cls, context: ToolContext, tool: str, kind: Kind, operation: Operation, *, body: dict[str, Any], summary: str
    ) -> Proposal:
        return cls(tool, kind.collection, operation, body, summary, context.conversation_id, context.message_id)

    def for_record(self, record_id: str) -> Proposal:
        return replace(self, record_id=record_id)


class Proposals:
    def __init__(self, *, db: firestore.Client | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self._db = db or firestore_client()
        self._now = clock or (lambda: datetime.now(UTC))

    def _collection(self, workspace_id: str, uid: str) -> firestore.CollectionReference:
        return self._db.collection("workspaces", workspace_id, "members", uid, "proposals")

    def propose(self, workspace_id: str, uid: str, proposal: Proposal) -> dict[str, Any]:
        now = self._now()
        document = {
            "tool": proposal.tool,
            "collection": proposal.collection,
            "operation": proposal.operation,
            "recordId": proposal.record_id,
            "body": proposal.body,
            "summary": proposal.summary,
            "conversationId": proposal.conversation_id,
            "messageId": proposal.message_id,
            "status": PENDING,
            "createdAt": now,
            "updatedAt": now,
        }
        reference = self._collection(workspace_id, uid).document(uuid.uuid4().hex[:20])
        reference.create(document)
        return {"id": reference.id, **document}

    def get(self, workspace_id: str, uid: str, proposal_id: str) -> dict[str, Any]:
        snapshot = self._collection(workspace_id, uid).document(proposal_id).get()
        if not snapshot.exists:
            raise NotFound("no such proposal of yours", id=proposal_id)
        return {"id": proposal_id, **(public(snapshot.to_dict()) or {})}

    def confirm(self, workspace_id: str, principal: Principal, proposal_id: str) -> dict[str, Any]:
        """Applies the change through the API's service, as the user via the assistant."""
        reference = self._collection(workspace_id, principal.uid).document(proposal_id)
        proposal = self._claim(reference, proposal_id)
        if proposal["tool"] == DRAFT_TOOL:
            return self._create_draft(reference, workspace_id, principal, proposal_id, proposal)
        kind = KINDS[proposal["collection"]]
        actor = replace(principal, via=VIA_ASSISTANT)
        try:
            if proposal["operation"] == "create":
                record = records(kind).create(workspace_id, actor, kind.create.model_validate(proposal["body"]))
            else:
                record = records(kind).update(
                    workspace_id,
                    actor=actor,
                    record_id=proposal["recordId"],
                    body=kind.update.model_validate(proposal["body"]),
                )
        except DomainError as error:
            reference.update({"status": FAILED, "error": error.message, "updatedAt": self._now()})
            raise
        reference.update(
            {"status": CONFIRMED, "result": {"id": record["id"], "kind": kind.name}, "updatedAt": self._now()}
        )
        return {"id": proposal_id, "status": CONFIRMED, "record": record}

    def _create_draft(
        self,
        reference: firestore.DocumentReference,
        workspace_id: str,
        principal: Principal,
        proposal_id: str,
        proposal: dict[str, Any],
    ) -> dict[str, Any]:
        try:
            draft = create_draft(workspace_id, principal, Draft.of(proposal["body"]))
        except GrantNeeded as error:
            # Not a failure: the proposal waits, and the consent that grants compose confirms it.
            reference.update({"status": PENDING, "needsGrant": error.details.get("scope"), "updatedAt": self._now()})
            raise GrantNeeded(error.message, **error.details, proposalId=proposal_id) from error
        except DomainError as error:
            reference.update({"status": FAILED, "error": error.message, "updatedAt": self._now()})
            raise
        # Audited like every confirmed change, by the user via the assistant, in the commit that records it.
        now = self._now()
        created = {**{key: proposal["body"].get(key) for key in _AUDITED_DRAFT_FIELDS}, **draft}
        entry = audit.AuditEntry(
            replace(principal, via=VIA_ASSISTANT), "create", DRAFT_ENTITY, str(draft["draftId"]), None, created, now
        )
        batch = self._db.batch()
        batch.update(
            reference, {"status": CONFIRMED, "result": draft, "needsGrant": firestore.DELETE_FIELD, "updatedAt": now}
        )
        audit.record(batch, self._db.collection("workspaces").document(workspace_id), entry)
        batch.commit()
        return {"id": proposal_id, "status": CONFIRMED, "draft": draft}

    def decline(self, workspace_id: str, uid: str, proposal_id: str) -> dict[str, Any]:
        reference = self._collection(workspace_id, uid).document(proposal_id)
        self._claim(reference, proposal_id, to=DECLINED)
        return {"id": proposal_id, "status": DECLINED}

    def withdraw(self, workspace_id: str, uid: str, *, message_id: str) -> int:
        """A turn that failed takes back the proposals it made: nothing of it is left half-done."""
        pending = (
            self._collection(workspace_id, uid)
            .where(filter=FieldFilter("messageId", "==", message_id))
            .where(filter=FieldFilter("status", "==", PENDING))
        )
        withdrawn = 0
        for snapshot in pending.stream():
            snapshot.reference.update({"status": WITHDRAWN, "updatedAt": self._now()})
            withdrawn += 1
        return withdrawn

    def _claim(self, reference: firestore.DocumentReference, proposal_id: str, *, to: str = APPLYING) -> dict:
        """Moves a pending proposal on, only if nobody else did meanwhile."""
        snapshot = reference.get()
        if not snapshot.exists:
            raise NotFound("no such proposal of yours", id=proposal_id)
        data = snapshot.to_dict() or {}
        if data.get("status") != PENDING:
            raise Conflict(f"this proposal is {data.get('status')}, no longer waiting for you", id=proposal_id)
        try:
            reference.update(
                {"status": to, "decidedAt": self._now(), "updatedAt": self._now()},
                option=self._db.write_option(last_update_time=snapshot.update_time),
            )
        except exceptions.FailedPrecondition as error:
            raise Conflict("this proposal was decided meanwhile", id=proposal_id) from error
        return data


def confirm_draft_after_grant(workspace_id: str, uid: str, email: str, proposal_id: str) -> bool:
    """The consent that granted gmail.compose came back: confirm the draft that asked for it, as its user
    (still at least a member). Whether the draft was created; a failure stays on the proposal for the panel."""
    principal = Principal(uid=uid, email=email, email_verified=True)
    try:
        require_role(workspace_id, principal, Role.MEMBER)
        Proposals().confirm(workspace_id, principal, proposal_id)
    except DomainError as error:
        why = {"workspaceId": workspace_id, "reason": error.message}
        log.warning("draft not created after the compose grant", extra=why)
        return False
    return True
