"""Gmail: connected mailboxes, the Gmail API, push notifications and sync."""
