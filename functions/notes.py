"""/notes: GET lists a workspace's notes (filters, sort, cursor); POST creates one."""

from __future__ import annotations

from functions._lib.handlers import http_function
from functions._lib.records import collection_routes
from shared.crm.kinds import NOTES

notes = http_function("notes", *collection_routes(NOTES))
