"""The Gmail sidebar: a Google Workspace add-on over HTTP (the alternate runtime).

Google calls the add-on's functions with an event (`events.py`); `tokens.py` checks who sent it and who
the user is, `message.py` reads the open message with the user's own add-on tokens, `cards.py` builds the
Card v1 JSON Gmail renders, and `service.py` ties them to the CRM. Nothing here speaks HTTP.
"""
