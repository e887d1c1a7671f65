"""/csv-export?workspaceId=&kind=contacts|companies|deals: the records as a CSV download."""

from __future__ import annotations

from typing import Literal

import flask
import functions_framework

from functions.http import answers_errors
from functions.rest import WorkspaceQuery, member, route
from shared.crm.csv_io import export_rows
from shared.principals import Role


class ExportQuery(WorkspaceQuery):
    kind: Literal["contacts", "companies", "deals"]


def _export(request: flask.Request) -> flask.Response:
    _, query = member(request, Role.VIEWER, ExportQuery)
    headers = {"Content-Disposition": f'attachment; filename="{query.kind}.csv"'}
    return flask.Response(export_rows(query.workspaceId, query.kind), mimetype="text/csv", headers=headers)


@functions_framework.http
@answers_errors
def csv_export(request: flask.Request) -> flask.Response:
    return route(request, {"GET": _export})
