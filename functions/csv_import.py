"""/csv-import?workspaceId=: POST /preview {kind, csv} shows what an import would do; POST /apply applies it;
DELETE /{importId} undoes a whole import (members; records edited since are kept)."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import CsvApplied, CsvPreview, CsvUndone
from shared.crm.csv_io import CsvImports
from shared.crm.models import CsvImport
from shared.principals import Role


@operation(
    "POST",
    "/csv-import/preview",
    summary="What importing this CSV would do",
    answer=CsvPreview,
    minimum=Role.MEMBER,
    query=WorkspaceQuery,
    body=CsvImport,
)
def _preview(call: Call[CsvImport, WorkspaceQuery]) -> dict[str, Any]:
    return CsvImports().preview(call.workspace_id, call.body)


@operation(
    "POST",
    "/csv-import/apply",
    summary="Import a CSV",
    answer=CsvApplied,
    minimum=Role.MEMBER,
    query=WorkspaceQuery,
    body=CsvImport,
    status=201,
)
def _apply(call: Call[CsvImport, WorkspaceQuery]) -> dict[str, Any]:
    return CsvImports().apply(call.workspace_id, call.principal, call.body)


@operation(
    "DELETE",
    "/csv-import/{importId}",
    summary="Undo a whole import",
    answer=CsvUndone,
    minimum=Role.MEMBER,
    query=WorkspaceQuery,
)
def _undo(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return CsvImports().undo(call.workspace_id, actor=call.principal, import_id=call.params["importId"])


csv_import = http_function("csv_import", _preview, _apply, _undo)
