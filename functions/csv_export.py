"""/csv-export?workspaceId=&kind=contacts|companies|deals|notes|tasks: the records as a CSV download."""

from __future__ import annotations

from typing import Literal

import flask

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.csv_io import export_rows
from shared.principals import Role


class ExportQuery(WorkspaceQuery):
    kind: Literal["contacts", "companies", "deals", "notes", "tasks"]


@operation(
    "GET", "/csv-export", summary="Records as CSV", minimum=Role.VIEWER, query=ExportQuery, content_type="text/csv"
)
def _export(call: Call[None, ExportQuery]) -> flask.Response:
    kind = call.query.kind
    headers = {"Content-Disposition": f'attachment; filename="{kind}.csv"'}
    return flask.Response(export_rows(call.workspace_id, kind), mimetype="text/csv", headers=headers)


csv_export = http_function("csv_export", _export)
