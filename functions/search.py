"""/search?workspaceId=&q=: contacts, companies and deals whose name, email, company or tags start with the words."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.crm.answers import SearchHits
from shared.crm.kinds import SEARCHED
from shared.crm.models import SearchQuery
from shared.crm.search import Search
from shared.principals import Role


@operation(
    "GET",
    "/search",
    summary="Contacts, companies and deals by word prefixes",
    minimum=Role.VIEWER,
    query=SearchQuery,
    answer=SearchHits,
)
def _search(call: Call[None, SearchQuery]) -> dict[str, Any]:
    query = call.query
    hits = Search().search(query.workspace_id, query.q, collections=SEARCHED, limit=query.limit)
    return {"items": [{"kind": hit.kind, **hit.record} for hit in hits]}


search = http_function("search", _search)
