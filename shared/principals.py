"""Roles and the people who hold them: plain values that every layer may import.

Imports nothing of the project, so token checking (shared.auth), membership (shared.workspaces)
and the records that note who changed them (shared.crm) can all share these without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


# Each role may do everything the roles after it may.
ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


@dataclass(frozen=True)
class Principal:
    uid: str
    email: str | None
    # Google says so for its accounts; only a verified address may take up an invitation sent to it, or
    # name the Gmail its holder can connect.
    email_verified: bool = False
    # What the person acted through when not directly ("assistant": a change they confirmed in the chat);
    # the audit log records it beside them.
    via: str | None = None


def at_least(role: Role, minimum: Role) -> bool:
    """Whether `role` may do what `minimum` may."""
    return ROLE_RANK[role] >= ROLE_RANK[minimum]
