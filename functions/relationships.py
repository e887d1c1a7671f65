"""/relationships/intro-paths?workspaceId=&contactId=|companyId=: which teammates know a person or company and
how well, and the warm paths to them through the team, ranked with their evidence; /relationships/team-map:
each teammate's strongest relationships, optionally within a company or a deal."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.crm.intros import IntroAnswer, IntroPaths, IntroQuery
from shared.crm.team_map import TeamMap, TeamMapAnswer, TeamMapQuery
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


@operation(
    "GET",
    "/relationships/team-map",
    summary="Each teammate's strongest relationships, in the workspace or within a company or deal",
    minimum=Role.VIEWER,
    query=TeamMapQuery,
    answer=TeamMapAnswer,
)
def _team_map(call: Call[None, TeamMapQuery]) -> dict[str, Any]:
    return TeamMap().of(call.query)


relationships = http_function("relationships", _intro_paths, _team_map)
