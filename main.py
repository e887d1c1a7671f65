"""Cloud Functions entry points. Each is deployed as its own function from this one source."""

from functions.connect_gmail import connect_gmail
from functions.crm_maintenance import crm_maintenance
from functions.disconnect_gmail import disconnect_gmail
from functions.enrich_contacts import enrich_contacts
from functions.extract_messages import extract_messages
from functions.fetch_messages import fetch_messages
from functions.gmail_push import gmail_push
from functions.oauth_callback import oauth_callback
from functions.renew_watches import renew_watches
from functions.sync_mailbox import sync_mailbox
from functions.sync_now import sync_now
from functions.undo_sync_run import undo_sync_run

__all__ = [
    "connect_gmail",
    "crm_maintenance",
    "disconnect_gmail",
    "enrich_contacts",
    "extract_messages",
    "fetch_messages",
    "gmail_push",
    "oauth_callback",
    "renew_watches",
    "sync_mailbox",
    "sync_now",
    "undo_sync_run",
]
