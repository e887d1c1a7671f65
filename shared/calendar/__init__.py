"""Google Calendar: meetings on contacts (meetings.py) and the calendar's sync."""
