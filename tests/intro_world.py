"""A small team whose mail makes every kind of introduction path, ingested straight through the Ingestor:
the owner writes with Dana, who copies Frank of Globex on a reply; the member writes with Gina, Frank's
colleague. Nobody on the team ever wrote to Frank himself."""

from __future__ import annotations

import time
from itertools import count
from typing import Any

from shared import ids
from shared.crm.ingest import Ingestor
from shared.crm.relationships import RelationshipStats
from shared.gmail.mailboxes import MailboxStore
from shared.pipeline.fetched import FetchedMessage
from tests.support import mail

DANA, FRANK, GINA = "Dana Wu <dana@initech.com>", "Frank Ode <frank@globex.com>", "Gina Park <gina@globex.com>"
_gmail_ids = count(1)


def address(person: str) -> str:
    return person.split("<")[1].rstrip(">")


def _fetched(raw: bytes, thread: str, *, labels: tuple[str, ...] = ("INBOX",)) -> FetchedMessage:
    number = next(_gmail_ids)
    return FetchedMessage(f"g{number}", thread, labels, number, int(time.time() * 1000) - 600_000 + number, raw)


def _ingest(workspace_id: str, owner: str, *messages: FetchedMessage) -> list[str]:
    mailbox_id = ids.mailbox_id(owner)
    Ingestor().ingest(
        workspace_id=workspace_id, mailbox_id=mailbox_id, owner_email=owner, sync_run_id="run", messages=list(messages)
    )
    return [ids.interaction_id(mailbox=mailbox_id, gmail_message_id=m.id) for m in messages]


def build(db: Any, workspace_id: str, *, owner: tuple[str, str], member: tuple[str, str]) -> dict[str, str]:
    """Mailboxes for `owner` and `member` ((uid, email) each) and their mail; the ids of the interactions
    the paths rest on."""
    db.document("workspaces", workspace_id).set(
        {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}, merge=True
    )
    for uid, email in (owner, member):
        MailboxStore().save_connection(workspace_id=workspace_id, owner_uid=uid, email=email, refresh_token="t")
    owner_email, member_email = owner[1], member[1]
    evidence = {}
    _ingest(workspace_id, owner_email, _fetched(mail(owner_email, DANA, "Intro?"), "t1", labels=("SENT",)))
    reply = _fetched(mail(DANA, owner_email, "Re: Intro?", cc=FRANK), "t1")
    (evidence["dana_frank"],) = _ingest(workspace_id, owner_email, reply)
    _ingest(workspace_id, member_email, _fetched(mail(member_email, GINA, "Coffee"), "t2", labels=("SENT",)))
    (evidence["member_gina"],) = _ingest(
        workspace_id, member_email, _fetched(mail(GINA, member_email, "Re: Coffee"), "t2")
    )
    people = [ids.contact_id(address(p)) for p in (DANA, FRANK, GINA)]
    RelationshipStats().refresh_contacts(workspace_id, contact_ids=people)  # the team's strength orders colleagues
    return evidence
