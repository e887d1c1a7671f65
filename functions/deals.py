"""/deals: GET lists a workspace's deals (filters, sort, cursor); POST creates one."""

from __future__ import annotations

from functions._lib.handlers import http_function
from functions._lib.records import collection_routes
from shared.crm.kinds import DEALS

deals = http_function("deals", *collection_routes(DEALS))
