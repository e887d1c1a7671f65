"""/deal/{id}: GET reads a deal; PATCH changes it (with the version the client saw); DELETE removes it."""

from __future__ import annotations

from functions._lib.handlers import http_function
from functions._lib.records import record_routes
from shared.crm.kinds import DEALS

deal = http_function("deal", *record_routes(DEALS))
