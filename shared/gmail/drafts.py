"""A draft in the user's own Gmail, written by the assistant and created only once the user confirms it.

Creating drafts needs Google's `gmail.compose` scope, which sync never needs: it is asked for the first
time a user confirms a draft (incremental authorisation, decision 30). Until then confirming answers
GrantNeeded naming the scope, and the web app offers Google's consent for it alone; the draft is created
when the consent comes back. A reply goes into the thread of the mail it answers, with In-Reply-To and
References set as a mail client sets them, when that mail is in a mailbox of the user's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from shared.errors import Conflict, GrantNeeded, MailboxDisconnected
from shared.gmail.api import GMAIL_COMPOSE_SCOPE, GmailMailbox, ScopeMissing
from shared.gmail.mailboxes import MailboxRef, MailboxStore, own_connected_mailboxes
from shared.log import get_logger
from shared.principals import Principal

log = get_logger("drafts")
COMPOSE_GRANT = "gmail.compose"  # how the app names the scope it must ask for (GrantNeeded's `scope`)


@dataclass(frozen=True)
class Draft:
    """What the draft says. `mailbox_id`, `thread_id`, `in_reply_to` and `references` make it a reply."""

    to: str
    subject: str
    body: str
    mailbox_id: str | None = None
    thread_id: str | None = None
    in_reply_to: str | None = None
    references: str | None = None

    @classmethod
    def of(cls, fields: dict[str, Any]) -> Draft:
        return cls(
            to=str(fields["to"]),
            subject=str(fields["subject"]),
            body=str(fields["body"]),
            mailbox_id=fields.get("mailboxId"),
            thread_id=fields.get("threadId"),
            in_reply_to=fields.get("inReplyTo"),
            references=fields.get("references"),
        )


def compose(*, sender: str, draft: Draft) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = draft.to
    message["Subject"] = draft.subject
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
        message["References"] = " ".join(filter(None, (draft.references, draft.in_reply_to)))
    message.set_content(draft.body)
    return bytes(message)


def _mailbox_for(workspace_id: str, principal: Principal, draft: Draft) -> MailboxRef:
    """The mailbox of the thread being answered, or the user's own first one; always one of theirs."""
    own = own_connected_mailboxes(workspace_id, principal.uid, principal.email)
    if draft.mailbox_id:
        own = [ref for ref in own if ref.mailbox_id == draft.mailbox_id] or own
    if not own:
        raise Conflict("connect your Gmail first: drafts are created in your own Gmail")
    return own[0]


def create_draft(workspace_id: str, principal: Principal, draft: Draft) -> dict[str, Any]:
    """Creates the draft in the user's Gmail; GrantNeeded when their grant does not yet allow drafts."""
    store = MailboxStore()
    ref = _mailbox_for(workspace_id, principal, draft)
    sender = str(store.get(ref).get("email") or principal.email)
    # A thread id means something only in its own mailbox: a draft elsewhere starts a new thread.
    threaded = draft.mailbox_id == ref.mailbox_id
    raw = compose(sender=sender, draft=draft if threaded else Draft(draft.to, draft.subject, draft.body))
    try:
        gmail = GmailMailbox.for_refresh_token(store.refresh_token(ref), GMAIL_COMPOSE_SCOPE)
        created = gmail.create_draft(raw, thread_id=draft.thread_id if threaded else None)
    except (ScopeMissing, MailboxDisconnected) as error:
        log.info("draft needs the compose grant", extra={"workspaceId": workspace_id, "reason": str(error)[:200]})
        raise GrantNeeded(
            "Rapport may not write drafts in your Gmail yet: grant Gmail compose, and the draft is created",
            scope=COMPOSE_GRANT,
            mailbox=sender,
        ) from error
    message = created.get("message") or {}
    return {
        "draftId": created["id"],
        "messageId": message.get("id"),
        "threadId": message.get("threadId"),
        "mailbox": sender,
    }
