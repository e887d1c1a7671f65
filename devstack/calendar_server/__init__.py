"""A local Google Calendar API: events.list with sync tokens, recurring events expanded, events.watch
push channels and channels.stop, validated against calendar.v3.json.

It is served by the local Gmail server's process (devstack/gmail_server/), because at Google one OAuth
grant covers both APIs: the same tokens, scopes, revocation and injected faults apply to both.
"""

from devstack.calendar_server.api import ROUTES
from devstack.calendar_server.calendars import CalendarBoard

__all__ = ["ROUTES", "CalendarBoard"]
