"""Workspaces and their members."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.clients import firestore_client
from shared.crm import audit
from shared.errors import Conflict, NotFound, PermissionDenied
from shared.principals import Principal, Role, at_least
from shared.transactions import transactional

# On each member document, the workspace's name (kept by a rename): the Gmail sidebar finds a user's
# memberships with one query and names their workspaces without reading them.
WORKSPACE_NAME_FIELD = "workspaceName"


def add_member(
    workspace_id: str,
    *,
    uid: str,
    email: str,
    role: Role,
    display_name: str | None = None,
    workspace_name: str | None = None,
    db: firestore.Client | None = None,
) -> None:
    """Membership lives twice: under the workspace (for rules) and on the user (to list their workspaces)."""
    db = db or firestore_client()
    batch = db.batch()
    member = {"role": role.value, "email": email, "displayName": display_name, "joinedAt": datetime.now(UTC)}
    batch.set(
        db.document("workspaces", workspace_id, "members", uid),
        member | ({WORKSPACE_NAME_FIELD: workspace_name} if workspace_name else {}),
    )
    batch.set(
        db.document("users", uid),
        {"email": email, "displayName": display_name, "workspaces": {workspace_id: role.value}},
        merge=True,
    )
    batch.commit()


def create_workspace(
    workspace_id: str, *, name: str, owner_uid: str, owner_email: str, db: firestore.Client | None = None
) -> None:
    db = db or firestore_client()
    db.document("workspaces", workspace_id).set({"name": name, "createdAt": datetime.now(UTC), "createdBy": owner_uid})
    add_member(workspace_id, uid=owner_uid, email=owner_email, role=Role.OWNER, workspace_name=name, db=db)


# -- teams: workspaces of a user, invitations, role changes ------------------------------------
# Only an owner may make or unmake owners; admins manage everyone else.
_OWNER_ONLY = frozenset({Role.OWNER})
INVITATIONS = "invitations"


class Membership:
    """Who belongs to a workspace and with what role. A workspace never loses its last owner."""

    def __init__(self, *, db: firestore.Client | None = None, now: Callable[[], datetime] | None = None) -> None:
        self._db = db or firestore_client()
        self._now = now or (lambda: datetime.now(UTC))

    def _workspace(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces").document(workspace_id)

    # -- workspaces ------------------------------------------------------------------------
    def create(self, actor: Principal, name: str) -> dict[str, Any]:
        workspace_id = f"ws-{uuid.uuid4().hex[:12]}"
        create_workspace(workspace_id, name=name, owner_uid=actor.uid, owner_email=actor.email or "", db=self._db)
        batch = self._db.batch()
        self._audit(batch, workspace_id, actor, "create", workspace_id, None, {"name": name})
        batch.commit()
        return {"id": workspace_id, "name": name, "role": Role.OWNER.value}

    def workspaces_of(self, uid: str) -> list[dict[str, Any]]:
        roles: dict[str, str] = (self._db.document("users", uid).get().to_dict() or {}).get("workspaces", {})
        references = [self._workspace(workspace_id) for workspace_id in sorted(roles)]
        return [
            {"id": snapshot.id, "name": (snapshot.to_dict() or {}).get("name"), "role": roles[snapshot.id]}
            for snapshot in self._db.get_all(references)
            if snapshot.exists
        ]

    def members(self, workspace_id: str) -> list[dict[str, Any]]:
        return [
            {"uid": snapshot.id, **audit.public(snapshot.to_dict())}  # type: ignore[dict-item]
            for snapshot in self._workspace(workspace_id).collection("members").stream()
        ]

    # -- invitations -----------------------------------------------------------------------
    def invite(self, workspace_id: str, actor: Principal, actor_role: Role, email: str, role: Role) -> dict[str, Any]:
        _may_grant(actor_role, role)
        workspace = self._workspace(workspace_id)
        if _any(workspace.collection("members").where(filter=FieldFilter("email", "==", email))):
            raise Conflict("this address belongs to a member already", field="email")
        if _any(self._pending_query(workspace_id).where(filter=FieldFilter("email", "==", email))):
            raise Conflict("this address has a pending invitation already: resend or revoke it", field="email")
        now = self._now()
        invitation = {
            "email": email,
            "role": role.value,
            "status": "pending",
            "invitedBy": actor.uid,
            "invitedByEmail": actor.email,
            # Kept on the invitation so the invited person, not yet a member, can see where they are asked to.
            "workspaceName": (workspace.get().to_dict() or {}).get("name"),
            "createdAt": now,
            "sentAt": now,
        }
        invitation_id = uuid.uuid4().hex[:20]
        batch = self._db.batch()
        batch.create(self._workspace(workspace_id).collection(INVITATIONS).document(invitation_id), invitation)
        self._audit(batch, workspace_id, actor, "invite", invitation_id, None, invitation)
        batch.commit()
        return {"id": invitation_id, **(audit.public(invitation) or {})}

    def _pending_query(self, workspace_id: str) -> firestore.Query:
        invitations = self._workspace(workspace_id).collection(INVITATIONS)
        return invitations.where(filter=FieldFilter("status", "==", "pending"))

    def invitations(self, workspace_id: str) -> list[dict[str, Any]]:
        query = self._pending_query(workspace_id)
        return [{"id": snapshot.id, **(audit.public(snapshot.to_dict()) or {})} for snapshot in query.stream()]

    def invitations_for(self, principal: Principal) -> list[dict[str, Any]]:
        """Pending invitations to the caller's address, across workspaces: what a newcomer may accept."""
        if not principal.email or not principal.email_verified:
            return []
        query = self._db.collection_group(INVITATIONS).where(filter=FieldFilter("email", "==", principal.email.lower()))
        return [
            {"id": snapshot.id, "workspaceId": snapshot.reference.parent.parent.id, **(audit.public(invitation) or {})}
            for snapshot in query.stream()
            if (invitation := snapshot.to_dict() or {}).get("status") == "pending"
        ]

    def revoke(self, workspace_id: str, *, actor: Principal, invitation_id: str) -> None:
        self._change_pending(
            workspace_id, actor, invitation_id, "revoke", {"status": "revoked", "revokedBy": actor.uid}
        )

    def resend(self, workspace_id: str, *, actor: Principal, invitation_id: str) -> dict[str, Any]:
        """Renews a pending invitation: the link stays the same, `sentAt` moves to now.

        Mail is not sent for the inviter: that needs Gmail's send scope, which Rapport does not ask for.
        """
        after = self._change_pending(workspace_id, actor, invitation_id, "resend", {"sentAt": self._now()})
        return {"id": invitation_id, **(audit.public(after) or {})}

    def _change_pending(
        self, workspace_id: str, actor: Principal, invitation_id: str, action: str, change: dict[str, Any]
    ) -> dict[str, Any]:
        reference = self._workspace(workspace_id).collection(INVITATIONS).document(invitation_id)
        snapshot = reference.get()
        before = _pending(snapshot)
        batch = self._db.batch()
        after = {**before, **change}
        batch.update(reference, change, option=_unchanged(self._db, snapshot))
        self._audit(batch, workspace_id, actor, action, invitation_id, before, after)
        _commit_or_conflict(batch)
        return after

    def accept(self, workspace_id: str, *, invitation_id: str, principal: Principal) -> dict[str, Any]:
        """The signed-in user whose address was invited joins with the invited role."""
        reference = self._workspace(workspace_id).collection(INVITATIONS).document(invitation_id)
        snapshot = reference.get()
        invitation = _pending(snapshot)
        if (principal.email or "").lower() != invitation["email"]:
            raise PermissionDenied("this invitation was sent to another address")
        if not principal.email_verified:
            raise PermissionDenied("your address is not verified yet: verify it, then accept again")
        if self._workspace(workspace_id).collection("members").document(principal.uid).get().exists:
            raise Conflict("you are a member of this workspace already")
        role = Role(invitation["role"])
        batch = self._db.batch()
        batch.update(
            reference, {"status": "accepted", "acceptedBy": principal.uid}, option=_unchanged(self._db, snapshot)
        )
        self._write_membership(
            batch, workspace_id, principal.uid, role, email=principal.email or "", name=invitation.get("workspaceName")
        )
        member = {"role": role.value, "email": principal.email}
        self._audit(batch, workspace_id, principal, "accept", principal.uid, None, member)
        _commit_or_conflict(batch)
        return {"workspaceId": workspace_id, "role": role.value}

    # -- roles -----------------------------------------------------------------------------
    def change_role(self, workspace_id: str, *, actor: Principal, actor_role: Role, uid: str, role: Role) -> dict:
        def change(transaction: firestore.Transaction) -> dict[str, Any]:
            before = self._member_in(transaction, workspace_id, uid)
            current = Role(before["role"])
            _may_grant(actor_role, current)
            _may_grant(actor_role, role)
            if current is Role.OWNER and role is not Role.OWNER:
                self._keep_an_owner(transaction, workspace_id)
            self._write_role(transaction, workspace_id, uid, role)
            after = {**before, "role": role.value}
            self._audit(transaction, workspace_id, actor, "role", uid, before, after)
            return {"uid": uid, **(audit.public(after) or {})}

        return transactional(change)(self._db.transaction())

    def set_gmail_aliases(self, workspace_id: str, *, actor: Principal, uid: str, aliases: list[str]) -> dict:
        """An admin approves the addresses whose Gmail the member may connect besides their own (decision 18)."""

        def approve(transaction: firestore.Transaction) -> dict[str, Any]:
            before = self._member_in(transaction, workspace_id, uid)
            approved = sorted({alias.strip().lower() for alias in aliases})
            transaction.update(
                self._workspace(workspace_id).collection("members").document(uid), {"gmailAliases": approved}
            )
            after = {**before, "gmailAliases": approved}
            self._audit(transaction, workspace_id, actor, "gmail_aliases", uid, before, after)
            return {"uid": uid, **(audit.public(after) or {})}

        return transactional(approve)(self._db.transaction())

    def remove(self, workspace_id: str, *, actor: Principal, actor_role: Role, uid: str) -> None:
        """Admins remove members; anyone may leave. The last owner can do neither to themselves."""

        def removal(transaction: firestore.Transaction) -> None:
            before = self._member_in(transaction, workspace_id, uid)
            if actor.uid != uid:
                _may_grant(actor_role, Role(before["role"]))
                if not at_least(actor_role, Role.ADMIN):
                    raise PermissionDenied("removing others needs the admin role")
            if before["role"] == Role.OWNER.value:
                self._keep_an_owner(transaction, workspace_id)
            transaction.delete(self._workspace(workspace_id).collection("members").document(uid))
            transaction.update(self._db.document("users", uid), {_role_path(workspace_id): firestore.DELETE_FIELD})
            action = "leave" if actor.uid == uid else "remove"
            self._audit(transaction, workspace_id, actor, action, uid, before, None)

        transactional(removal)(self._db.transaction())

    # -- helpers ---------------------------------------------------------------------------
    def _member_in(self, transaction: firestore.Transaction, workspace_id: str, uid: str) -> dict[str, Any]:
        snapshot = self._workspace(workspace_id).collection("members").document(uid).get(transaction=transaction)
        if not snapshot.exists:
            raise NotFound("no such member", uid=uid)
        return snapshot.to_dict() or {}

    def _keep_an_owner(self, transaction: firestore.Transaction, workspace_id: str) -> None:
        owners = self._workspace(workspace_id).collection("members").where(filter=FieldFilter("role", "==", "owner"))
        if len(list(owners.stream(transaction=transaction))) <= 1:
            raise Conflict("a workspace needs an owner: make someone else an owner first")

    def _write_role(self, writer: Any, workspace_id: str, uid: str, role: Role) -> None:
        writer.update(self._workspace(workspace_id).collection("members").document(uid), {"role": role.value})
        writer.set(self._db.document("users", uid), {"workspaces": {workspace_id: role.value}}, merge=True)

    def _write_membership(
        self, writer: Any, workspace_id: str, uid: str, role: Role, *, email: str, name: str | None = None
    ) -> None:
        member = {"role": role.value, "email": email, "displayName": None, "joinedAt": self._now()}
        if name:
            member[WORKSPACE_NAME_FIELD] = name
        writer.set(self._workspace(workspace_id).collection("members").document(uid), member)
        writer.set(
            self._db.document("users", uid), {"email": email, "workspaces": {workspace_id: role.value}}, merge=True
        )

    def _audit(
        self, writer: Any, workspace_id: str, actor: Principal, action: str, entity_id: str, before: Any, after: Any
    ) -> None:
        kind = _AUDIT_KINDS.get(action, "member")
        entry = audit.AuditEntry(actor, action, kind, entity_id, before, after, self._now())
        audit.record(writer, self._workspace(workspace_id), entry)


_AUDIT_KINDS = {"create": "workspace", "invite": "invitation", "revoke": "invitation", "resend": "invitation"}


def _any(query: firestore.Query) -> bool:
    return any(True for _ in query.limit(1).stream())


def _may_grant(actor_role: Role, role: Role) -> None:
    if role in _OWNER_ONLY and actor_role is not Role.OWNER:
        raise PermissionDenied("only an owner may make or change owners")


def _pending(snapshot: Any) -> dict[str, Any]:
    if not snapshot.exists:
        raise NotFound("no such invitation", id=snapshot.id)
    invitation: dict[str, Any] = snapshot.to_dict() or {}
    if invitation.get("status") != "pending":
        raise Conflict(f"this invitation was {invitation.get('status')} already", status=invitation.get("status"))
    return invitation


def _unchanged(db: firestore.Client, snapshot: Any) -> Any:
    return db.write_option(last_update_time=snapshot.update_time)


def _commit_or_conflict(batch: firestore.WriteBatch) -> None:
    try:
        batch.commit()
    except exceptions.FailedPrecondition as error:
        raise Conflict("this invitation changed meanwhile; look again") from error


def _role_path(workspace_id: str) -> str:
    return FieldPath("workspaces", workspace_id).to_api_repr()
