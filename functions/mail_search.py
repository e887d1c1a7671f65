"""/mail-search?workspaceId=&q=: messages by meaning, as far as each mailbox's sharing level lets the caller read."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.mailsearch.search import MailHits, MailSearch, MailSearchQuery
from shared.principals import Role


@operation(
    "GET",
    "/mail-search",
    summary="Mail by meaning: the closest messages the caller may read, with their snippets",
    minimum=Role.VIEWER,
    query=MailSearchQuery,
    answer=MailHits,
)
def _search(call: Call[None, MailSearchQuery]) -> dict[str, Any]:
    hits = MailSearch().search(call.query, reader_uid=call.principal.uid)
    return {"items": [hit.as_json() for hit in hits]}


mail_search = http_function("mail-search", _search)
