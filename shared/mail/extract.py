"""One message in, everything Rapport learns from it out: the one entry point for extraction.

The sync pipeline and `./rapport extract` both call `extract`, so what the command prints
is what the pipeline stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from shared.mail.addresses import Address
from shared.mail.companies import company_domain, company_name_from_domain
from shared.mail.message import DEFAULT_GROUP_THRESHOLD, ParsedMessage, Participant, parse_message
from shared.mail.quotes import split_reply
from shared.mail.reply_context import ContextBlock, reply_in_context
from shared.mail.signatures import (
    SignatureBlock,
    SignatureFields,
    find_signature,
    first_middle_last,
    parse_signature,
)


class ContactCard(NamedTuple):
    """What one message tells about one person on it (a tuple: built for every person on every
    message, it costs a fraction of a frozen dataclass)."""

    email: str
    name: str | None = None
    title: str | None = None
    company: str | None = None
    company_domain: str | None = None
    phones: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    linkedin: str | None = None
    twitter: str | None = None
    roles: tuple[str, ...] = ()
    address: str | None = None  # postal, as the signature writes it

    def to_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "name": self.name,
            "title": self.title,
            "company": self.company,
            "phones": list(self.phones),
            "urls": list(self.urls),
            "linkedin": self.linkedin,
            "twitter": self.twitter,
            "address": self.address,
        }


@dataclass(frozen=True)
class Extraction:
    message: ParsedMessage
    reply_text: str = ""
    # The reply with the quoted lines its inline answers reply to; () when that is the reply itself.
    reply_context: tuple[ContextBlock, ...] = ()
    signature: SignatureBlock | None = None
    signature_fields: SignatureFields | None = None
    contacts: list[ContactCard] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self, file: str | None = None) -> dict[str, Any]:
        """The JSON line `./rapport extract` prints."""
        message = self.message
        return {
            "file": file,
            "message_id": message.message_id,
            "from": message.author.to_dict() if message.author else None,
            "to": [a.to_dict() for a in message.to],
            "cc": [a.to_dict() for a in message.cc],
            "automated": message.automated,
            "automated_reason": message.automated_reason,
            "reply_text": self.reply_text,
            "reply_context": [block._asdict() for block in self.reply_context],
            "signature": self.signature.text if self.signature else None,
            "contacts": [c.to_dict() for c in self.contacts],
        }


def extract(
    raw: bytes,
    *,
    owner_addresses: frozenset[str] = frozenset(),
    gmail_labels: frozenset[str] = frozenset(),
    group_threshold: int = DEFAULT_GROUP_THRESHOLD,
) -> Extraction:
    """Parse one raw RFC 822 message and read its reply, signature and contacts. Never raises."""
    message = parse_message(
        raw, owner_addresses=owner_addresses, gmail_labels=gmail_labels, group_threshold=group_threshold
    )
    errors = list(message.errors)
    try:
        own_text, reply = split_reply(message.text)  # one pass for both readers
        context = reply_in_context(message.text, reply)
        signature = find_signature(own_text, message.author, history_removed=True)
        fields = parse_signature(signature, message.author) if signature else None
    except Exception as exc:  # a bug in text handling must not lose the message's headers
        errors.append(f"text extraction failed: {type(exc).__name__}: {exc}"[:300])
        return Extraction(message=message, contacts=_contacts(message, None), errors=errors)
    return Extraction(
        message=message,
        reply_text=reply,
        reply_context=context,
        signature=signature,
        signature_fields=fields,
        contacts=_contacts(message, fields),
        errors=errors,
    )


def _contacts(message: ParsedMessage, fields: SignatureFields | None) -> list[ContactCard]:
    """People worth a contact: none from automated mail, no shared mailboxes, and for group
    mail only the author (a list of fifty recipients says nothing about each of them)."""
    if message.automated:
        return []
    author = message.author.email if message.author else None
    cards: list[ContactCard] = []
    for participant in message.participants:
        if participant.role_account or (message.group_mail and participant.email != author):
            continue
        is_author = participant.email == author
        cards.append(_card(participant, fields if is_author else None))
    return cards


def _card(participant: Participant, fields: SignatureFields | None) -> ContactCard:
    domain = company_domain(participant.email)
    company = fields.company if fields and fields.company else None
    if company is None and domain is not None:
        company = company_name_from_domain(domain)
    return ContactCard(
        email=participant.email,
        name=_best_name(participant.address, fields.name if fields else None),
        title=fields.title if fields else None,
        company=company,
        company_domain=domain,
        phones=fields.phones if fields else (),
        urls=fields.urls if fields else (),
        linkedin=fields.linkedin if fields else None,
        twitter=fields.twitter if fields else None,
        roles=participant.roles,
        address=fields.address if fields else None,
    )


def _best_name(address: Address, signed_name: str | None) -> str | None:
    """The header's display name in "First Last" order, unless the signature has a fuller one."""
    shown = person_name(address.name) if address.name else None
    if shown is None:
        return signed_name
    if signed_name and len(signed_name.split()) > len(shown.split()) and shown.lower() in signed_name.lower():
        return signed_name
    return shown


def person_name(display_name: str) -> str | None:
    """A display name as a person's name: "Doe, Jane" -> "Jane Doe"; quotes and emails removed."""
    text = " ".join(display_name.replace('"', " ").split())
    if not text or "@" in text:
        return None
    if "," in text:  # "Doe, Jane": only then is the order in question
        return first_middle_last(text) or text
    return text
