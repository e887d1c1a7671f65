"""Who becomes a contact: the workspace's creation policy, its blocklist, and the team's own people.

Pure decisions with no I/O, so ingestion, the sync preview and the approval of a staged sync
all decide the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from shared.mail.addresses import canonical_mailbox
from shared.mail.companies import company_domain, email_domain
from shared.workspace_settings import ContactCreation, WorkspaceSettings

# (direction of the message, mail the team sent this person in it) -> may it create their contact?
_CREATES: dict[ContactCreation, Callable[[str, int], bool]] = {
    ContactCreation.SENT: lambda direction, sent: direction == "outbound" and sent > 0,
    ContactCreation.SENT_AND_RECEIVED: lambda direction, sent: True,
    ContactCreation.NONE: lambda direction, sent: False,
}


@dataclass(frozen=True)
class Policy:
    creation: ContactCreation
    blocklist: frozenset[str]
    own_addresses: frozenset[str]  # the mailbox's addresses and aliases and every member's
    own_domains: frozenset[str]  # colleagues: never contacts
    group_threshold: int

    @classmethod
    def of(cls, settings: WorkspaceSettings, *, own_addresses: Iterable[str]) -> Policy:
        owners = frozenset(canonical_mailbox(a.strip().lower()) for a in own_addresses if a)
        if settings.own_domains is None:
            domains = frozenset(d for d in (company_domain(a) for a in owners) if d)
        else:
            domains = frozenset(settings.own_domains)
        return cls(
            creation=settings.contact_creation,
            blocklist=frozenset(settings.blocklist),
            own_addresses=owners,
            own_domains=domains,
            group_threshold=settings.group_threshold,
        )

    def is_blocked(self, email: str) -> bool:
        """The address itself, or its domain or any parent domain, is on the blocklist."""
        if not self.blocklist:
            return False
        address = email.strip().lower()
        return address in self.blocklist or any(d in self.blocklist for d in parent_domains(address))

    def blocks(self, emails: Iterable[str]) -> bool:
        return any(self.is_blocked(e) for e in emails)

    def is_own(self, email: str) -> bool:
        """The team itself: one of its addresses, or a colleague at one of its domains."""
        if canonical_mailbox(email) in self.own_addresses:
            return True
        return bool(self.own_domains) and company_domain(email) in self.own_domains

    def creates(self, direction: str, sent: int) -> bool:
        """Whether a message may create the contact of a person on it who is not a contact yet."""
        return _CREATES[self.creation](direction, sent)


def parent_domains(email: str) -> list[str]:
    """ "ann@eu.acme.com" -> ["eu.acme.com", "acme.com", "com"]."""
    host = email_domain(email) or ""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels)) if labels[i]]


def participant_domains(emails: Iterable[str]) -> list[str]:
    """Each host and each parent domain of it except the public suffix: what the blocklist can name."""
    domains: set[str] = set()
    for email in emails:
        domains.update(d for d in parent_domains(email) if "." in d)
    return sorted(domains)
