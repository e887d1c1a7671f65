"""An invitation mailed from the inviter's own Gmail, when they let Rapport send mail as them.

Sync only reads Gmail; sending needs the separate gmail.send grant, which a user gives from the team page
(the connect flow asking for it besides read access). Without it, or when Gmail refuses, the invitation is
a link the inviter sends themselves, as before: the answer says which happened.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Literal

from googleapiclient.errors import HttpError

from shared.clients import firestore_client
from shared.errors import MailboxDisconnected, RetryLater
from shared.gmail.api import GMAIL_SEND_SCOPE, GmailMailbox
from shared.gmail.mailboxes import MailboxStore, own_connected_mailboxes
from shared.log import get_logger
from shared.principals import Principal
from shared.settings import get_settings
from shared.workspaces import INVITATIONS

log = get_logger("invitation_mail")

Delivery = Literal["gmail", "link"]


def invitation_link(workspace_id: str, invitation_id: str) -> str:
    return f"{get_settings().web_app_url.rstrip('/')}/join/{workspace_id}/{invitation_id}"


def compose(*, sender: str, invitation: dict[str, Any], link: str) -> bytes:
    workspace = invitation.get("workspaceName") or "a workspace"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr(("", str(invitation["email"])))
    message["Subject"] = f"Join {workspace} on Rapport"
    role = invitation.get("role", "member")
    message.set_content(
        f"Hello,\n\nI'd like you to join {workspace} on Rapport, our team's CRM, as {role}.\n"
        f"Sign in with this address ({invitation['email']}) here:\n\n{link}\n\n{sender}\n"
    )
    return bytes(message)


def mail_invitation(workspace_id: str, invitation_id: str, invitation: dict[str, Any], inviter: Principal) -> Delivery:
    """Sends the invitation from the inviter's Gmail when a connected mailbox of theirs may send; "link" otherwise."""
    store = MailboxStore()
    link = invitation_link(workspace_id, invitation_id)
    for ref in own_connected_mailboxes(workspace_id, inviter.uid, inviter.email):
        sender = str(store.get(ref).get("email") or inviter.email)
        try:
            gmail = GmailMailbox.for_refresh_token(store.refresh_token(ref), GMAIL_SEND_SCOPE)
            gmail.send(compose(sender=sender, invitation=invitation, link=link))
        except (HttpError, MailboxDisconnected, RetryLater) as error:
            # No send grant (403, or Google refusing the scope on refresh), or Gmail failing: the link remains.
            log.info("invitation not sent from Gmail", extra={"workspaceId": workspace_id, "reason": str(error)[:200]})
            continue
        return "gmail"
    return "link"


def deliver(workspace_id: str, invitation: dict[str, Any], inviter: Principal) -> dict[str, Any]:
    """Mails a just created or renewed invitation if the inviter's Gmail may, and records how it went out
    (`sentVia`: "gmail", or "link" for the inviter to pass on) on the invitation; returns it with that."""
    via = mail_invitation(workspace_id, str(invitation["id"]), invitation, inviter)
    firestore_client().document("workspaces", workspace_id, INVITATIONS, str(invitation["id"])).update({"sentVia": via})
    return {**invitation, "sentVia": via}
