"""Reading email: headers and bodies, quotes and signatures, people and companies.

Pure Python with no network and no database: the sync pipeline and `./rapport extract`
both call `extract` in here.
"""

from shared.mail.addresses import Address, canonical_mailbox, normalize_email
from shared.mail.companies import company_domain, company_name_from_domain, is_free_mail_domain
from shared.mail.extract import ContactCard, Extraction, extract
from shared.mail.message import ParsedMessage, Participant, parse_message
from shared.mail.quotes import split_reply, strip_quoted_history, visible_reply
from shared.mail.signatures import SignatureBlock, SignatureFields, find_signature, parse_signature

__all__ = [
    "Address",
    "ContactCard",
    "Extraction",
    "ParsedMessage",
    "Participant",
    "SignatureBlock",
    "SignatureFields",
    "canonical_mailbox",
    "company_domain",
    "company_name_from_domain",
    "extract",
    "find_signature",
    "is_free_mail_domain",
    "normalize_email",
    "parse_message",
    "parse_signature",
    "split_reply",
    "strip_quoted_history",
    "visible_reply",
]
