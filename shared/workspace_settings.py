"""Per-workspace settings under `workspaces/{ws}.settings`: who becomes a contact, who never does.

Ingestion reads them once per batch with the workspace document (`settings_of`); admins change
them through `WorkspaceSettingsService.update`, which also asks for existing mail with newly
blocked participants to leave the CRM.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from google.cloud import firestore
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.clients import firestore_client
from shared.errors import InvalidInput, NotFound
from shared.log import get_logger
from shared.mail.limits import DEFAULT_GROUP_THRESHOLD
from shared.messaging import tasks
from shared.transactions import transactional

log = get_logger("workspace_settings")
MAX_BLOCKLIST = 2000
_ADDRESS = re.compile(r"^[^@\s]+@[a-z0-9.-]+\.[a-z0-9-]+$")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}$")


class ContactCreation(StrEnum):
    SENT = "sent"  # people the team has written to (the default: what peers learned from their users)
    SENT_AND_RECEIVED = "sent_and_received"  # anyone who writes to the team, too
    NONE = "none"  # contacts are only made by hand; their mail still counts


def blocklist_entry(value: str) -> str:
    """An address or a domain, lower-cased; "@acme.com" means the domain."""
    entry = value.strip().lower().lstrip("@")
    if not (_ADDRESS.match(entry) or _DOMAIN.match(entry)):
        raise ValueError(f"{value!r} is neither an email address nor a domain")
    return entry


def _entries(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({blocklist_entry(v) for v in values}))


class WorkspaceSettings(BaseModel):
    """The stored shape; every field has a default, so a workspace without settings behaves sensibly."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")
    contact_creation: ContactCreation = Field(default=ContactCreation.SENT, alias="contactCreation")
    blocklist: tuple[str, ...] = Field(default=(), max_length=MAX_BLOCKLIST)
    require_preview: bool = Field(default=True, alias="requirePreview")
    group_threshold: int = Field(default=DEFAULT_GROUP_THRESHOLD, ge=2, le=1000, alias="groupThreshold")
    # Colleagues' domains: their people are never contacts. None means the work domains of the
    # members' own addresses; an empty list makes colleagues contacts like anyone else.
    own_domains: tuple[str, ...] | None = Field(default=None, alias="ownDomains", max_length=50)

    @field_validator("blocklist", "own_domains")
    @classmethod
    def _lower_cased(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else _entries(value)

    def stored(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


class SettingsChange(BaseModel):
    """What a caller may change; fields left out keep their value."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    contact_creation: ContactCreation | None = Field(default=None, alias="contactCreation")
    blocklist: list[str] | None = Field(default=None, max_length=MAX_BLOCKLIST)
    require_preview: bool | None = Field(default=None, alias="requirePreview")
    group_threshold: int | None = Field(default=None, ge=2, le=1000, alias="groupThreshold")
    own_domains: list[str] | None = Field(default=None, alias="ownDomains", max_length=50)

    @field_validator("blocklist", "own_domains")
    @classmethod
    def _lower_cased(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(_entries(value))

    def applied_to(self, current: WorkspaceSettings) -> WorkspaceSettings:
        return current.model_copy(update=self.model_dump(exclude_unset=True))


def settings_of(workspace: dict[str, Any]) -> WorkspaceSettings:
    """The settings stored on a workspace document; anything unreadable falls back to the defaults."""
    try:
        return WorkspaceSettings.model_validate(workspace.get("settings") or {})
    except ValidationError:
        log.warning("unreadable workspace settings; using the defaults")
        return WorkspaceSettings()


class WorkspaceSettingsService:
    def __init__(self, *, db: firestore.Client | None = None, enqueue: Callable[..., str] = tasks.enqueue) -> None:
        self._db = db or firestore_client()
        self._enqueue = enqueue

    def get(self, workspace_id: str) -> WorkspaceSettings:
        snapshot = self._db.document("workspaces", workspace_id).get()
        if not snapshot.exists:
            raise NotFound("no such workspace", workspaceId=workspace_id)
        return settings_of(snapshot.to_dict() or {})

    def update(self, workspace_id: str, change: SettingsChange) -> WorkspaceSettings:
        """Saves the change; newly blocked addresses and domains then leave the CRM in the background."""
        reference = self._db.document("workspaces", workspace_id)

        @transactional
        def save(transaction: firestore.Transaction) -> tuple[WorkspaceSettings, WorkspaceSettings]:
            snapshot = reference.get(transaction=transaction)
            if not snapshot.exists:
                raise NotFound("no such workspace", workspaceId=workspace_id)
            before = settings_of(snapshot.to_dict() or {})
            try:
                after = WorkspaceSettings.model_validate(change.applied_to(before).stored())
            except ValidationError as error:
                raise InvalidInput(str(error.errors()[0]["msg"])) from error
            transaction.update(reference, {"settings": after.stored()})
            return before, after

        before, after = save(self._db.transaction())
        newly_blocked = sorted(set(after.blocklist) - set(before.blocklist))
        # Previews show what a sync would create under the policy: they are recomputed on any change.
        self._enqueue(
            tasks.MAINTENANCE_QUEUE,
            {"action": "settings_changed", "workspaceId": workspace_id, "blocked": newly_blocked},
        )
        return after

    def block(self, workspace_id: str, entries: list[str]) -> WorkspaceSettings:
        """Adds addresses to the blocklist at once, for the caller to clean up after (a person's erasure
        does it in the same request, so nothing waits in the background)."""
        reference = self._db.document("workspaces", workspace_id)

        @transactional
        def save(transaction: firestore.Transaction) -> WorkspaceSettings:
            snapshot = reference.get(transaction=transaction)
            if not snapshot.exists:
                raise NotFound("no such workspace", workspaceId=workspace_id)
            before = settings_of(snapshot.to_dict() or {})
            wanted = sorted(set(before.blocklist) | set(_entries(entries)))
            if wanted == list(before.blocklist):
                return before
            try:
                after = WorkspaceSettings.model_validate(before.stored() | {"blocklist": wanted})
            except ValidationError as error:
                raise InvalidInput(str(error.errors()[0]["msg"])) from error
            transaction.update(reference, {"settings": after.stored()})
            return after

        return save(self._db.transaction())
