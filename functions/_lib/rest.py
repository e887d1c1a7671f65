"""What the CRM's REST functions share: the path after the function's name, query strings as models,
and the five operations of a record kind.

A function is served at /NAME; the functions host (and Cloud Functions) hands it the rest of the
path as `request.path`: `/` for a collection, `/{id}` for one record.
"""

from __future__ import annotations

from typing import TypeVar

import flask
from pydantic import BaseModel, ValidationError

from functions._lib.responses import invalid_body
from shared.crm.models import RecordId

Query = TypeVar("Query", bound=BaseModel)


class WorkspaceQuery(BaseModel):
    workspaceId: RecordId


class VersionQuery(WorkspaceQuery):
    version: int | None = None


def query_args(request: flask.Request, model: type[Query]) -> Query:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise invalid_body(error) from error


def function_path(request: flask.Request) -> str:
    """The path after the function's own name. Behind Firebase Hosting a function sees the whole
    public path, `/api/NAME/rest`; called directly it sees `/rest`."""
    segments = [part for part in request.path.split("/") if part]
    if len(segments) >= 2 and segments[0] == "api":
        segments = segments[2:]
    return "/" + "/".join(segments)
