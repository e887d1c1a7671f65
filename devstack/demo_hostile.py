"""Hostile mail for the demo mailbox: markup, script and `javascript:` links where names, subjects and
signatures go, as anyone may send them. Rapport must store and show all of it as the text it is.

Every payload would set `window.__pwned` if it ever ran; the browser tests deliver these messages and
check that it stays unset while the text shows literally.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

PWNED_FLAG = "__pwned"
SENDER = "mallory@mallorylabs.com"
SENDER_NAME = f"<img src=x onerror=window.{PWNED_FLAG}=1>Mallory"
SUBJECT = f'Invoice <img src=x onerror="window.{PWNED_FLAG}=1"> <script>window.{PWNED_FLAG}=1</script>'
SIGNATURE_TITLE = f"Head of <b onmouseover=window.{PWNED_FLAG}=1>Billing</b>, Mallory Labs"
JAVASCRIPT_LINK = f"javascript:window.{PWNED_FLAG}=1"
SECOND_SUBJECT = f'Re: "><svg onload=window.{PWNED_FLAG}=1> our website'

_SIGNATURE = f"""Best regards,
{SENDER_NAME}
{SIGNATURE_TITLE}
Website: {JAVASCRIPT_LINK}
https://mallorylabs.com/
Tel: +1 415 555 0142"""


def hostile_messages(owner: str, anchor: dt.date) -> list[bytes]:
    """Two messages from one sender, dated the day before `anchor`, in RFC 822 with CRLF line endings."""
    sent = dt.datetime.combine(anchor - dt.timedelta(days=1), dt.time(9, 30), tzinfo=dt.UTC)
    invoice = _message(
        owner,
        SUBJECT,
        sent,
        "<hostile-1@mallorylabs.com>",
        f"Hi,\n\nPlease find the invoice below and let me know when it is paid.\n\n{_SIGNATURE}\n",
    )
    website = _message(
        owner,
        SECOND_SUBJECT,
        sent + dt.timedelta(hours=2),
        "<hostile-2@mallorylabs.com>",
        f"Hi again,\n\nOur new website is at {JAVASCRIPT_LINK} - have a look.\n\n{_SIGNATURE}\n",
        html=(
            f'<p>Hi again,</p><p>Our new website is <a href="{JAVASCRIPT_LINK}">here</a>.</p>'
            f'<img src=x onerror="window.{PWNED_FLAG}=1"><p>{_SIGNATURE.replace(chr(10), "<br>")}</p>'
        ),
    )
    return [invoice, website]


def _message(
    owner: str, subject: str, sent: dt.datetime, message_id: str, text: str, html: str = "", sender: str = ""
) -> bytes:
    message = EmailMessage()
    message["From"] = sender or f'"{SENDER_NAME}" <{SENDER}>'
    message["To"] = owner
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


# Mail that talks to the assistant: it may at most lead to a proposal the user sees (shared/assistant).
INJECTIONS_FILE = Path(__file__).resolve().parent / "demo_data" / "injections.toml"


@functools.cache
def injections() -> dict[str, dict[str, Any]]:
    """devstack/demo_data/injections.toml's messages by id."""
    return {entry["id"]: entry for entry in tomllib.loads(INJECTIONS_FILE.read_text())["messages"]}


INJECTION_SUBJECT = injections()["delete-all-contacts"]["subject"]
INJECTION_BODY = injections()["delete-all-contacts"]["body"]


def injection_messages(owner: str, anchor: dt.date) -> list[bytes]:
    """Every message of injections.toml, each dated its `days_ago` before `anchor`, oldest first."""
    found = []
    for number, entry in enumerate(injections().values(), start=3):
        sent = dt.datetime.combine(anchor - dt.timedelta(days=int(entry["days_ago"])), dt.time(11, 0), tzinfo=dt.UTC)
        message_id = f"<hostile-{number}@mallorylabs.com>"
        found.append((sent, _message(owner, entry["subject"], sent, message_id, entry["body"], sender=entry["from"])))
    return [raw for _, raw in sorted(found, key=lambda pair: pair[0])]
