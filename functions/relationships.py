"""/relationships/intro-paths?workspaceId=&contactId=|companyId=: which teammates know a person or company and
how well, and the warm paths to them through the team, ranked with their evidence."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.crm.intros import IntroAnswer, IntroPaths, IntroQuery
from shared.principals import Role


@operation(
    "GET",
    "/relationships/intro-paths",
    summary="Who knows a person or company, and warm introduction paths to them",
    minimum=Role.VIEWER,
    query=IntroQuery,
    answer=IntroAnswer,
)
def _intro_paths(call: Call[None, IntroQuery]) -> dict[str, Any]:
    return IntroPaths().find(call.query)


relationships = http_function("relationships", _intro_paths)
