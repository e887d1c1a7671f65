"""/company/{id}: GET reads a company; PATCH changes it (with the version the client saw); DELETE removes it."""

from __future__ import annotations

from functions._lib.handlers import http_function
from functions._lib.records import record_routes
from shared.crm.kinds import COMPANIES

company = http_function("company", *record_routes(COMPANIES))
