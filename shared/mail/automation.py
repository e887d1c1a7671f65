"""Recognising mail that no human wrote: bulk lists, auto-replies, notifications, bounces.

No maintained role-address list is published on PyPI, so the local parts below are kept
here as data, drawn from the RFC 2142 mailbox names and the sender names that bulk
and transactional mail services use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

# Local parts of addresses no human reads or answers: replying to them goes nowhere.
MACHINE_LOCAL_PARTS = frozenset(
    {
        "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply", "dontreply",
        "noresponse", "no-response", "notification", "notifications", "notify", "notifier", "alerts",
        "alert", "mailer-daemon", "mailerdaemon", "postmaster", "bounce", "bounces", "bouncer",
        "mailer", "daemon", "automailer", "auto-reply", "autoreply", "auto-confirm", "autoconfirm",
        "newsletter", "newsletters", "news", "digest", "updates", "update", "announce",
        "announcements", "marketing", "promotions", "promo", "deals", "offers", "mailing",
        "mailinglist", "list", "lists", "listserv", "majordomo", "system", "robot", "bot",
        "automated", "calendar-notification", "calendar", "invitations", "reminder", "reminders",
        "receipts", "receipt", "billing-noreply", "security-noreply", "account-security-noreply",
        "survey", "surveys", "unsubscribe",
    }
)  # fmt: skip

# Shared mailboxes of a team (RFC 2142 and common practice): real people answer them,
# but they stand for a function, not a person.
ROLE_LOCAL_PARTS = frozenset(
    {
        "info", "information", "contact", "hello", "hi", "support", "help", "helpdesk", "service",
        "customerservice", "customer-service", "care", "sales", "team", "office", "admin",
        "administrator", "billing", "accounts", "accounting", "invoices", "invoice", "finance",
        "hr", "jobs", "careers", "recruiting", "press", "media", "pr", "legal", "privacy",
        "security", "compliance", "orders", "order", "shop", "store", "enquiries", "inquiries",
        "reception", "general", "mail", "email", "all", "everyone", "staff", "it", "ops", "devops",
        "partners", "marketing-team", "events", "community", "feedback", "abuse", "hostmaster",
        "webmaster",
    }
)  # fmt: skip

# Patterns for machine senders whose local part carries a prefix or suffix (no-reply-42@,
# bounces+abc@, notifications-eu@).
_MACHINE_PATTERN = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|mailer[-_.]?daemon|notifications?|"
    r"postmaster|auto[-_.]?(?:reply|responder))(?:[-_.+].*)?$"
    r"|^.*[-_.](?:no[-_.]?reply|noreply|bounces?|notifications?)$"
)

# Gmail's category labels that mark mail sent by machines.
AUTOMATED_GMAIL_LABELS: Mapping[str, str] = {
    "CATEGORY_PROMOTIONS": "gmail category: promotions",
    "CATEGORY_SOCIAL": "gmail category: social",
    "CATEGORY_UPDATES": "gmail category: updates",
    "CATEGORY_FORUMS": "gmail category: forums",
}

_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


def local_part(email: str) -> str:
    return email.rpartition("@")[0].split("+", 1)[0]


def is_machine_address(email: str) -> bool:
    """True for no-reply, notification, bounce and daemon addresses."""
    local = local_part(email)
    return local in MACHINE_LOCAL_PARTS or bool(_MACHINE_PATTERN.match(local))


def is_role_address(email: str) -> bool:
    """True for shared team mailboxes such as info@ or sales@."""
    return local_part(email) in ROLE_LOCAL_PARTS


def _header_reason(headers: Mapping[str, str]) -> str | None:
    """The first header that marks the message as bulk or auto-generated, as a reason."""
    for name, check in _HEADER_CHECKS:
        value = headers.get(name)
        if value is not None and check(value.strip().lower()):
            return f"{name}: {value.strip()[:80]}" if name in _SHOW_VALUE else f"{name} header"
    return None


_HEADER_CHECKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("list-unsubscribe", lambda v: bool(v)),
    ("list-id", lambda v: bool(v)),
    ("precedence", lambda v: v in _BULK_PRECEDENCE),
    ("auto-submitted", lambda v: bool(v) and v.split(";", 1)[0].strip() != "no"),
    ("x-autoreply", lambda v: v in {"yes", "true", "1"}),
    ("x-autorespond", lambda v: bool(v)),
)
_SHOW_VALUE = frozenset({"precedence", "auto-submitted"})


def automated_reason(
    headers: Mapping[str, str],
    sender_emails: list[str],
    gmail_labels: frozenset[str],
) -> str | None:
    """Why the message looks machine-sent, or None when a person plausibly wrote it.

    `headers` maps lower-cased header names to their (first) values; `sender_emails` are
    the From and Sender addresses.
    """
    reason = _header_reason(headers)
    if reason:
        return reason
    for email in sender_emails:
        if is_machine_address(email):
            return f"machine sender: {email}"
    for label in sorted(gmail_labels):
        if label in AUTOMATED_GMAIL_LABELS:
            return AUTOMATED_GMAIL_LABELS[label]
    return None
