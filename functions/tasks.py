"""/tasks: GET lists a workspace's tasks (filters, sort, cursor); POST creates one."""

from __future__ import annotations

from functions._lib.handlers import http_function
from functions._lib.records import collection_routes
from shared.crm.kinds import TASKS

tasks = http_function("tasks", *collection_routes(TASKS))
