"""A local Gmail API server: the Gmail REST subset Rapport uses, Google's OAuth token endpoint and dev controls.

The real google-api-python-client runs against it unchanged; see `create_app` and `GmailServer`.
"""

from devstack.gmail_server.app import GmailApp, GmailServer, create_app
from devstack.gmail_server.notifier import PublishFn
from devstack.gmail_server.quota import QuotaSettings

__all__ = ["GmailApp", "GmailServer", "PublishFn", "QuotaSettings", "create_app"]
