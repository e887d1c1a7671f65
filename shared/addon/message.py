"""The message open in Gmail, read as the add-on may read it: with the user's add-on OAuth token and the
message's own access token, through the same Gmail client as sync (metadata only: the smallest scope)."""

from __future__ import annotations

from dataclasses import dataclass

from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from shared.clients import gmail_service
from shared.errors import DomainError, RetryLater
from shared.mail.addresses import Address, parse_address_list

# Gmail's header for the per-message token of the gmail.addons.current.message.* scopes.
MESSAGE_TOKEN_HEADER = "X-Goog-Gmail-Access-Token"  # noqa: S105 (a header name)
HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date")
MAX_PARTICIPANTS = 500  # read beyond this, nobody can pick them in a sidebar anyway


class MessageUnreadable(DomainError):
    """Gmail would not give the add-on this message: deleted, another account's, or the token lapsed."""

    code = "message_unreadable"


@dataclass(frozen=True)
class OpenMessage:
    message_id: str
    subject: str
    sender: Address | None
    participants: tuple[Address, ...]  # sender first, then To, Cc and Reply-To, each address once


def read_open_message(*, message_id: str, user_oauth_token: str, message_token: str) -> OpenMessage:
    service = gmail_service(Credentials(token=user_oauth_token))
    request = (
        service.users().messages().get(userId="me", id=message_id, format="metadata", metadataHeaders=list(HEADERS))
    )
    request.headers[MESSAGE_TOKEN_HEADER] = message_token
    try:
        resource = request.execute(num_retries=1)
    except HttpError as error:
        if error.status_code in (401, 403, 404, 400):
            raise MessageUnreadable(f"Gmail did not let Rapport read this message ({error.status_code})") from None
        raise RetryLater(f"Gmail is unavailable ({error.status_code})") from None
    headers: dict[str, list[str]] = {}
    for header in (resource.get("payload") or {}).get("headers") or []:
        headers.setdefault(str(header.get("name", "")).lower(), []).append(str(header.get("value", "")))
    senders = parse_address_list(headers.get("from", []))
    everyone: dict[str, Address] = {}
    for address in [
        *senders,
        *parse_address_list([*headers.get("to", []), *headers.get("cc", []), *headers.get("reply-to", [])]),
    ]:
        if address.email not in everyone and len(everyone) < MAX_PARTICIPANTS:
            everyone[address.email] = address
    return OpenMessage(
        message_id=message_id,
        subject=(headers.get("subject") or [""])[0],
        sender=senders[0] if senders else None,
        participants=tuple(everyone.values()),
    )
