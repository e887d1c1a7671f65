"""Cloud Functions entry points. Each is deployed as its own function from this one source."""

from functions.extract_messages import extract_messages
from functions.fetch_messages import fetch_messages
from functions.gmail_push import gmail_push
from functions.sync_mailbox import sync_mailbox

__all__ = ["extract_messages", "fetch_messages", "gmail_push", "sync_mailbox"]
