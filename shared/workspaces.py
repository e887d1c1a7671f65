"""Workspaces and their members."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from google.cloud import firestore

from shared.clients import firestore_client


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


def add_member(
    workspace_id: str,
    *,
    uid: str,
    email: str,
    role: Role,
    display_name: str | None = None,
    db: firestore.Client | None = None,
) -> None:
    """Membership lives twice: under the workspace (for rules) and on the user (to list their workspaces)."""
    db = db or firestore_client()
    batch = db.batch()
    batch.set(
        db.document("workspaces", workspace_id, "members", uid),
        {"role": role.value, "email": email, "displayName": display_name, "joinedAt": datetime.now(UTC)},
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
    add_member(workspace_id, uid=owner_uid, email=owner_email, role=Role.OWNER, db=db)
