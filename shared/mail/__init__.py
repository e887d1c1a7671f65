"""Reading email: headers and bodies, quotes and signatures, people and companies.

Pure Python with no network and no database: the sync pipeline and `./rapport extract`
both call in here.
"""

from shared.mail.addresses import Address, canonical_mailbox, normalize_email
from shared.mail.companies import company_domain, company_name_from_domain, is_free_mail_domain
from shared.mail.message import ParsedMessage, Participant, parse_message

__all__ = [
    "Address",
    "ParsedMessage",
    "Participant",
    "canonical_mailbox",
    "company_domain",
    "company_name_from_domain",
    "is_free_mail_domain",
    "normalize_email",
    "parse_message",
]
