"""What teammates may read of a mailbox's mail: its owner's sharing level (decision 19).

An interaction document holds only metadata (who, when, how often) and is readable by every member.
Its content lives beside it in `interactions/{id}/content/{part}`: `subject` ({subject}) and `body`
({snippet}, and {replyContext} for an inline reply). firestore.rules lets a member read a part when
the mailbox's level shows it (or they own the mailbox); the HTTP API reads through `MailContent`,
which applies the same table. The level is read at every request, so changing it takes effect for
mail already stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from google.cloud import firestore

from shared.clients import firestore_client
from shared.errors import NotFound, PermissionDenied


class SharingLevel(StrEnum):
    EVERYTHING = "everything"  # subject and body
    SUBJECT = "subject"  # subject and metadata
    METADATA = "metadata"  # who, when, how often


# A mailbox that has not chosen shares the least; firestore.rules read a missing field the same way.
DEFAULT_LEVEL = SharingLevel.METADATA
CONTENT = "content"
SUBJECT, BODY = "subject", "body"
# The interaction fields each content part holds.
# The body's replyContext (the reply with the quoted lines it answers, shared/mail/reply_context.py) is
# written only for an inline reply.
PARTS: dict[str, tuple[str, ...]] = {SUBJECT: ("subject",), BODY: ("snippet", "replyContext")}
CONTENT_FIELDS = tuple(field for fields in PARTS.values() for field in fields)
_SHOWN: dict[SharingLevel, frozenset[str]] = {
    SharingLevel.EVERYTHING: frozenset({SUBJECT, BODY}),
    SharingLevel.SUBJECT: frozenset({SUBJECT}),
    SharingLevel.METADATA: frozenset(),
}


# What a stub keeps of mail that is blocked, undone or unreadable: what exactly-once and the sync's
# audit trail need, and no content, people or addresses.
STUB_FIELDS = frozenset(
    {"mailboxId", "gmailMessageId", "syncRunId", "occurredAt", "direction", "undone", "staged", "skipped"}
    | {"createdAt", "deadLetterId", "people", "contactIds", "companyIds", "uncountedIds"}
)


# What a stored interaction loses when it becomes a stub (besides its content documents).
FORGOTTEN_FIELDS = (
    "rfcMessageId",
    "threadId",
    "labelIds",
    "fromEmail",
    "automated",
    "participantEmails",
    "participantDomains",
)


def stub_of(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k in STUB_FIELDS}


def forgetting() -> dict[str, Any]:
    """The update that turns a stored interaction into a stub; `delete_content` removes the rest."""
    return {field: firestore.DELETE_FIELD for field in (*FORGOTTEN_FIELDS, *CONTENT_FIELDS)} | {
        "people": [],
        "contactIds": [],
        "companyIds": [],
        "uncountedIds": [],
    }


def level_of(mailbox: Mapping[str, Any]) -> SharingLevel:
    try:
        return SharingLevel(str(mailbox.get("sharing")))
    except ValueError:
        return DEFAULT_LEVEL


def readable_parts(mailbox: Mapping[str, Any], reader_uid: str | None) -> frozenset[str]:
    """The content parts `reader_uid` may read of this mailbox's mail (None: any teammate)."""
    if reader_uid is not None and mailbox.get("ownerUid") == reader_uid:
        return frozenset(PARTS)
    return _SHOWN[level_of(mailbox)]


def content_ref(interaction: firestore.DocumentReference, part: str) -> firestore.DocumentReference:
    return interaction.collection(CONTENT).document(part)


# Mail search's vector of a message's content (shared/mailsearch/index.py): content too, so it goes with it.
EMBEDDINGS = "mailEmbeddings"


# Set on an interaction whose text or time changed after it was first stored (an edited meeting): the mail
# index embeds it again, past its cursor, and clears the field (shared/mailsearch/index.py).
EMBEDDING_DUE = "embeddingDue"


def embedding_ref(interaction: firestore.DocumentReference) -> firestore.DocumentReference:
    """Where the embedding of `interaction` (workspaces/{ws}/interactions/{id}) lives."""
    workspace = interaction.parent.parent
    assert workspace is not None
    return workspace.collection(EMBEDDINGS).document(interaction.id)


def split_content(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A new interaction's fields → (metadata for the interaction document, content by part)."""
    metadata = {k: v for k, v in fields.items() if k not in CONTENT_FIELDS}
    content = {part: {f: fields[f] for f in names if f in fields} for part, names in PARTS.items()}
    return metadata, {part: values for part, values in content.items() if values}


CONTENT_DELETES = len(PARTS) + 1  # the parts and the embedding


def delete_content(batch: firestore.WriteBatch, interaction: firestore.DocumentReference) -> int:
    """Adds the deletes of an interaction's content to `batch`; returns how many writes that is."""
    for part in PARTS:
        batch.delete(content_ref(interaction, part))
    batch.delete(embedding_ref(interaction))
    return CONTENT_DELETES


class MailContent:
    """Interactions' content as a reader may see it, read in one round trip per page."""

    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def attach(
        self,
        workspace_id: str,
        interactions: list[dict[str, Any]],
        *,
        reader_uid: str | None,
        mailboxes: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """Each interaction (`id`, `mailboxId`) with the content fields its mailbox lets the reader see. A caller
        that has just read the mailboxes passes them (by id), and they are not read again."""
        workspace = self._db.collection("workspaces").document(workspace_id)
        if mailboxes is None:
            mailbox_ids = sorted({i.get("mailboxId") or "" for i in interactions} - {""})
            mailboxes = {
                s.id: s.to_dict() or {}
                for s in self._db.get_all([workspace.collection("mailboxes").document(m) for m in mailbox_ids])
            }
        wanted: list[firestore.DocumentReference] = []
        for interaction in interactions:
            parts = readable_parts(mailboxes.get(interaction.get("mailboxId") or "", {}), reader_uid)
            reference = workspace.collection("interactions").document(interaction["id"])
            wanted.extend(content_ref(reference, part) for part in sorted(parts))
        found: dict[str, dict[str, Any]] = {}
        for snapshot in self._db.get_all(wanted) if wanted else ():
            if snapshot.exists:
                found.setdefault(snapshot.reference.parent.parent.id, {}).update(snapshot.to_dict() or {})
        return [{**_without_content(i), **found.get(i["id"], {})} for i in interactions]


def _without_content(interaction: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in interaction.items() if k not in CONTENT_FIELDS}


class MailboxSharing:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def set_level(self, workspace_id: str, mailbox_id: str, level: SharingLevel, *, by_uid: str) -> dict[str, Any]:
        """Only the mailbox's owner chooses what teammates read of it."""
        reference = self._db.document("workspaces", workspace_id, "mailboxes", mailbox_id)
        mailbox = reference.get().to_dict()
        if mailbox is None:
            raise NotFound("no such mailbox", mailboxId=mailbox_id)
        if mailbox.get("ownerUid") != by_uid:
            raise PermissionDenied("only the mailbox's owner chooses what teammates read of its mail")
        reference.update({"sharing": level.value})
        return {"mailboxId": mailbox_id, "sharing": level.value}
