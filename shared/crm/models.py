"""The API's typed shapes: what a client may send to create or change a record, and what it gets back.

Stored documents use the same camelCase names as the JSON the API speaks, so a shape's
`model_dump(by_alias=True)` is the document's fields.
"""

# No `from __future__ import annotations`: pydantic would compile each field's annotation from its text
# as the class is made, a third of the cost of defining these models when a function starts.

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from shared.principals import Role

# Firestore text must be valid UTF-8: lone surrogates (which JSON can spell) would fail the write.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def encodable(value: str) -> str:
    if _SURROGATE.search(value):
        raise ValueError("text must be valid Unicode (no lone surrogates)")
    return value


Text = Annotated[str, AfterValidator(encodable)]
Name = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[Text, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[Text, StringConstraints(min_length=1, max_length=20_000)]
# A document id or uid: no slashes, never "." or "..", nothing Firestore reserves (`__x__`).
RecordId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Domain = Annotated[str, StringConstraints(to_lower=True, max_length=253, pattern=r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^\+?[0-9 ().-]{3,40}$")]


def phone_number(value: str) -> str:
    """A real number in any country's numbering plan (phonenumbers), stored in international form."""
    import phonenumbers  # its metadata is for the few functions that take phone numbers, when they do

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as error:
        raise ValueError(
            f"{value!r}: write a phone number with + and its country code, e.g. +44 20 7946 0958"
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def web_address(value: str) -> str:
    """An http(s) address of a named host: anything else (javascript:, a bare word) is no website."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        raise ValueError(f"{value!r}: a website is an http:// or https:// address, e.g. https://example.com")
    if parts.username is not None or any(c.isspace() for c in value):
        raise ValueError(f"{value!r}: a website has no spaces and no user name in it")
    return value


PhoneNumber = Annotated[
    Text, StringConstraints(strip_whitespace=True, min_length=3, max_length=40), AfterValidator(phone_number)
]
Phones = Annotated[list[PhoneNumber], Field(max_length=10)]
Website = Annotated[Text, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(web_address)]
Tag = Annotated[Text, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
Tags = Annotated[list[Tag], Field(max_length=20)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Money = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
StageId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
ParentType = Literal["contact", "company", "deal"]


class ApiModel(BaseModel):
    """camelCase on the wire and in Firestore; unknown fields are a 400, not silently dropped.

    Models here and in shared.crm.answers defer building their validators until first used
    (defer_build): a function uses two or three of some eighty, and building them all cost each cold
    start tens of milliseconds."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", defer_build=True)


class VersionedUpdate(ApiModel):
    """A change carries the version the client saw; a stale one is a conflict, never a silent overwrite."""

    version: int = Field(ge=0, le=2**53, description="The record's `version` as the client last read it.")

    def changes(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True, exclude={"version"}, mode="json")


# -- contacts ------------------------------------------------------------------------------
class ContactCreate(ApiModel):
    email: Email
    name: Name | None = None
    title: ShortText | None = None
    phone: Phone | None = None
    phones: Phones | None = None
    address: ShortText | None = None
    website: Website | None = None
    company_id: RecordId | None = None
    company_name: ShortText | None = None
    tags: Tags = Field(default_factory=list)
    owner_uid: RecordId | None = None


class ContactUpdate(VersionedUpdate):
    name: Name | None = None
    title: ShortText | None = None
    phone: Phone | None = None
    phones: Phones | None = None
    address: ShortText | None = None
    website: Website | None = None
    company_id: RecordId | None = None
    company_name: ShortText | None = None
    tags: Tags | None = None
    owner_uid: RecordId | None = None


# -- companies -----------------------------------------------------------------------------
class CompanyCreate(ApiModel):
    name: Name
    domain: Domain | None = None
    website: Website | None = None
    phones: Phones | None = None
    tags: Tags = Field(default_factory=list)
    owner_uid: RecordId | None = None


class CompanyUpdate(VersionedUpdate):
    name: Name | None = None
    website: Website | None = None
    phones: Phones | None = None
    tags: Tags | None = None
    owner_uid: RecordId | None = None


# -- deals ---------------------------------------------------------------------------------
class DealCreate(ApiModel):
    name: Name
    stage: StageId | None = Field(default=None, description="A stage of the workspace's pipeline; the first if unset.")
    value: Money = 0.0
    currency: Currency = "USD"
    owner_uid: RecordId | None = None
    expected_close: date | None = None
    company_id: RecordId | None = None
    contact_ids: Annotated[list[RecordId], Field(max_length=50)] = Field(default_factory=list)
    tags: Tags = Field(default_factory=list)


class DealUpdate(VersionedUpdate):
    name: Name | None = None
    stage: StageId | None = None
    value: Money | None = None
    currency: Currency | None = None
    owner_uid: RecordId | None = None
    expected_close: date | None = None
    company_id: RecordId | None = None
    contact_ids: Annotated[list[RecordId], Field(max_length=50)] | None = None
    tags: Tags | None = None


class PipelineStage(ApiModel):
    id: StageId
    name: Name


class PipelineUpdate(VersionedUpdate):
    stages: Annotated[list[PipelineStage], Field(min_length=1, max_length=30)]
    moves: Annotated[dict[StageId, StageId], Field(max_length=30)] = Field(
        default_factory=dict,
        description="For each removed stage that holds deals, the stage (of the new list) they move to.",
    )

    def changes(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True, exclude={"version", "moves"}, mode="json")


# -- notes and tasks -----------------------------------------------------------------------
class NoteCreate(ApiModel):
    parent_type: ParentType
    parent_id: RecordId
    body: LongText


class NoteUpdate(VersionedUpdate):
    body: LongText | None = None


class TaskCreate(ApiModel):
    title: Name
    assignee_uid: RecordId | None = None
    due_date: date | None = None
    done: bool = False
    parent_type: ParentType | None = None
    parent_id: RecordId | None = None


class TaskUpdate(VersionedUpdate):
    title: Name | None = None
    assignee_uid: RecordId | None = None
    due_date: date | None = None
    done: bool | None = None


# -- workspaces ----------------------------------------------------------------------------
class WorkspaceCreate(ApiModel):
    name: Name


class InvitationCreate(ApiModel):
    email: Email
    role: Role = Role.MEMBER


class InvitationAccept(ApiModel):
    workspace_id: RecordId
    invitation_id: RecordId


class RoleChange(ApiModel):
    role: Role


class GmailAliases(ApiModel):
    """Addresses besides a member's sign-in one whose Gmail they may connect: their other accounts."""

    gmail_aliases: list[Email] = Field(max_length=10)


# -- reading: timeline and search -----------------------------------------------------------
class TimelineQuery(ApiModel):
    workspace_id: RecordId
    parent_type: ParentType
    parent_id: RecordId
    before: datetime | None = Field(
        default=None, description="Only items older than this (the last page's nextBefore)."
    )
    limit: int = Field(default=50, ge=1, le=100)


class SearchQuery(ApiModel):
    workspace_id: RecordId
    q: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    limit: int = Field(default=20, ge=1, le=50)


# -- CSV -----------------------------------------------------------------------------------
class CsvImport(ApiModel):
    kind: Literal["contacts", "companies"]
    csv: Annotated[Text, StringConstraints(min_length=1, max_length=2_000_000)]
    # Column header → field, as the person mapped them; null leaves a column out. Without it, the
    # columns are guessed from their headers (the preview answers the guess).
    mapping: dict[Annotated[str, StringConstraints(max_length=200)], str | None] | None = Field(
        default=None, max_length=200
    )
    # Chosen by the client for apply, so it can watch imports/{importId} count the rows as they are written.
    import_id: Annotated[str, StringConstraints(pattern=r"^[a-f0-9]{20}$")] | None = None


class TakeoutUploadRequest(ApiModel):
    file_name: Annotated[Text, StringConstraints(min_length=1, max_length=200)] = Field(alias="fileName")
    size: int = Field(gt=0, description="The file's size in bytes")


# -- what the API answers ------------------------------------------------------------------
class RecordMeta(BaseModel):
    """Every record the API returns carries these besides its own fields."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    id: str
    version: int = 0
    created_at: str | None = Field(default=None, alias="createdAt")
    updated_at: str | None = Field(default=None, alias="updatedAt")


class Page(BaseModel):
    model_config = ConfigDict(defer_build=True)
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(alias="nextCursor")


class ErrorBody(BaseModel):
    model_config = ConfigDict(defer_build=True)
    code: str
    message: str
    field: str | None = None
    current: dict[str, Any] | None = Field(default=None, description="On a 409: the record as it is now.")


class ErrorAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)
    error: ErrorBody
