"""What the API answers, operation by operation: the response schemas of docs/openapi.json.

They name the fields a client may rely on; records and entries may carry more (additional
properties are allowed), because documents gain fields over time and a client must ignore what it
does not know. Stored values come back as JSON: timestamps as ISO 8601 text.
"""

# No `from __future__ import annotations`: pydantic would compile each field's annotation from its text
# as the class is made, a third of the cost of defining these models when a function starts.

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from shared.crm.models import RecordMeta
from shared.workspace_settings import WorkspaceSettings


class Answer(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", defer_build=True)


class Status(Answer):
    """A command accepted: `queued`, `applying`, `discarding`…"""

    status: str


# -- records ---------------------------------------------------------------------------------
class _Record(RecordMeta):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", defer_build=True)
    tags: list[str] | None = None
    owner_uid: str | None = None


class ContactRecord(_Record):
    email: str | None = None
    name: str | None = None
    title: str | None = None
    phone: str | None = None
    company_id: str | None = None
    company_name: str | None = None


class CompanyRecord(_Record):
    name: str | None = None
    domain: str | None = None


class DealRecord(_Record):
    name: str | None = None
    stage: str | None = None
    value: float | None = None
    currency: str | None = None
    expected_close: str | None = None
    company_id: str | None = None
    contact_ids: list[str] | None = None


class NoteRecord(_Record):
    parent_type: str | None = None
    parent_id: str | None = None
    body: str | None = None


class TaskRecord(_Record):
    title: str | None = None
    assignee_uid: str | None = None
    due_date: str | None = None
    done: bool | None = None
    parent_type: str | None = None
    parent_id: str | None = None


class ContactPage(Answer):
    items: list[ContactRecord]
    next_cursor: str | None


class CompanyPage(Answer):
    items: list[CompanyRecord]
    next_cursor: str | None


class DealPage(Answer):
    items: list[DealRecord]
    next_cursor: str | None


class NotePage(Answer):
    items: list[NoteRecord]
    next_cursor: str | None


class TaskPage(Answer):
    items: list[TaskRecord]
    next_cursor: str | None


RECORD_ANSWERS: dict[str, tuple[type[RecordMeta], type[Answer]]] = {
    "contacts": (ContactRecord, ContactPage),
    "companies": (CompanyRecord, CompanyPage),
    "deals": (DealRecord, DealPage),
    "notes": (NoteRecord, NotePage),
    "tasks": (TaskRecord, TaskPage),
}


# -- workspaces, members, invitations ----------------------------------------------------------
class Workspace(Answer):
    id: str
    name: str | None
    role: str


class WorkspaceList(Answer):
    items: list[Workspace]


class Member(Answer):
    uid: str
    role: str
    email: str | None = None
    gmail_aliases: list[str] = Field(default_factory=list, description="Other addresses whose Gmail they may connect")


class MemberList(Answer):
    items: list[Member]


class DeadLetter(Answer):
    """Input the pipeline could not process, kept with why (shared/deadletters.py)."""

    id: str
    source: str
    reason: str
    mailbox_id: str | None
    bytes: int
    replayable: bool
    recorded_at: str | None
    expire_at: str | None


class DeadLetterList(Answer):
    """By mailbox, then reason, then newest first."""

    items: list[DeadLetter]


class Invitation(Answer):
    id: str
    email: str
    role: str
    status: str
    # "gmail": mailed from the inviter's Gmail; "link": the inviter sends the link themselves.
    sent_via: Literal["gmail", "link"] | None = None


class InvitationList(Answer):
    items: list[Invitation]


class InvitationForYou(Answer):
    """An invitation waiting for the caller's verified address, with where it leads."""

    id: str
    workspace_id: str
    workspace_name: str | None = None
    role: str
    invited_by_email: str | None = None


class InvitationsForYou(Answer):
    items: list[InvitationForYou]


class Joined(Answer):
    workspace_id: str
    role: str


class Stage(Answer):
    id: str
    name: str


class Pipeline(Answer):
    stages: list[Stage]
    version: int


# -- reading ------------------------------------------------------------------------------------
class TimelineItem(Answer):
    type: str
    id: str
    at: str | None


class TimelinePage(Answer):
    items: list[TimelineItem]
    next_before: str | None


class SearchHit(Answer):
    kind: str
    id: str


class SearchHits(Answer):
    items: list[SearchHit]


class AuditRecord(Answer):
    id: str
    action: str | None = None
    actor_uid: str | None = None
    at: str | None = None


class AuditPage(Answer):
    items: list[AuditRecord]
    next_cursor: str | None


class ActivityItem(Answer):
    """A change (`change`), a sync run (`syncRun`) or an import (`import`)."""

    type: str
    id: str
    at: str | None = None
    action: str | None = None
    actor_uid: str | None = None


class ActivityPage(Answer):
    items: list[ActivityItem]
    next_cursor: str | None


# -- CSV ------------------------------------------------------------------------------------------
class CsvPreview(Answer):
    kind: str
    rows: int
    create: int
    update: int
    invalid: list[dict[str, Any]]
    ignored_columns: list[str]
    columns: list[dict[str, Any]] = Field(description="Each header and the field it fills (null: left out)")
    fields: list[str] = Field(description="The fields a column can be mapped to")
    missing: list[str] = Field(description="Fields the kind needs that no column fills: map one before applying")
    sample: list[dict[str, Any]]


class CsvApplied(Answer):
    import_id: str
    kind: str
    state: str
    created: int
    updated: int
    invalid: int


class CsvUndone(Answer):
    import_id: str
    restored: int
    kept: list[str]


class TakeoutUpload(Answer):
    import_id: str
    upload_url: str = Field(description="The resumable upload session: PUT the file here, in chunks with Content-Range")
    object: str


class TakeoutImportState(Answer):
    import_id: str
    state: Literal["queued", "dismissed"] = Field(description="queued: read again from where it stopped")


# -- Gmail, syncs, settings, merges ---------------------------------------------------------
class AuthorizationUrl(Answer):
    authorization_url: str = Field(description="Send the user here to grant access")


class CalendarPushAnswer(Answer):
    outcome: str = Field(description="`sync` (a sync was queued), `duplicate` or `handshake` (nothing to do)")


class Disconnected(Answer):
    status: str
    data_deletion: str = Field(description="`queued` or `kept`")


class SettingsAnswer(Answer):
    settings: WorkspaceSettings


class MergeSuggestion(Answer):
    id: str
    reason: str


class MergeSuggestionList(Answer):
    suggestions: list[MergeSuggestion]


class Dismissed(Answer):
    suggestion_id: str
    status: str


class Unmerged(Answer):
    merge_id: str
    target_id: str
    source_id: str


class Merged(Unmerged):
    interactions_moved: int


# -- a person's data ---------------------------------------------------------------------------
class PersonExport(Answer):
    """Everything the workspace holds about one contact; mail content as its mailbox shares it with you."""

    exported_at: str
    contact: ContactRecord
    merged_contacts: list[ContactRecord]
    interactions: list[dict[str, Any]]
    notes: list[NoteRecord]
    tasks: list[TaskRecord]
    deals: list[DealRecord]
    audit: list[AuditRecord]
