"""/companies: GET lists a workspace's companies (filters, sort, cursor); POST creates one."""

from __future__ import annotations

from functions._lib.handlers import http_function
from functions._lib.records import collection_routes
from shared.crm.kinds import COMPANIES

companies = http_function("companies", *collection_routes(COMPANIES))
