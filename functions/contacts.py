"""/contacts: GET lists a workspace's contacts (filters, sort, cursor); POST creates one."""

from __future__ import annotations

from functions._lib.handlers import http_function
from functions._lib.records import collection_routes
from shared.crm.kinds import CONTACTS

contacts = http_function("contacts", *collection_routes(CONTACTS))
