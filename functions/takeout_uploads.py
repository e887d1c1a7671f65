"""/takeout-uploads?workspaceId=: POST {fileName, size} by a member opens a resumable Cloud Storage upload of
their Google Takeout mbox and answers its session URL; the browser sends the file there itself. An import that
failed is retried (from where it stopped) or dismissed by whoever started it, or an admin."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import TakeoutImportState, TakeoutUpload
from shared.crm.models import TakeoutUploadRequest
from shared.principals import Role
from shared.settings import get_settings
from shared.takeout.imports import TakeoutImports


@operation(
    "POST",
    "/takeout-uploads",
    summary="Open a resumable upload of a Google Takeout mbox (members)",
    answer=TakeoutUpload,
    minimum=Role.MEMBER,
    query=WorkspaceQuery,
    body=TakeoutUploadRequest,
    status=201,
)
def _start(call: Call[TakeoutUploadRequest, WorkspaceQuery]) -> dict[str, Any]:
    # The session answers cross-origin requests from the web app alone.
    origin = get_settings().web_app_url.rstrip("/")
    body = call.body
    return TakeoutImports().start_upload(
        call.workspace_id, call.principal, file_name=body.file_name, size=body.size, origin=origin
    )


@operation(
    "POST",
    "/takeout-uploads/{importId}/retry",
    summary="Read a failed Takeout import again, from where it stopped",
    answer=TakeoutImportState,
    minimum=Role.MEMBER,
    query=WorkspaceQuery,
)
def _retry(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return TakeoutImports().retry(call.workspace_id, call.principal, call.member_role, call.params["importId"])


@operation(
    "POST",
    "/takeout-uploads/{importId}/dismiss",
    summary="Put a failed Takeout import away",
    answer=TakeoutImportState,
    minimum=Role.MEMBER,
    query=WorkspaceQuery,
)
def _dismiss(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return TakeoutImports().dismiss(call.workspace_id, call.principal, call.member_role, call.params["importId"])


takeout_uploads = http_function("takeout_uploads", _start, _retry, _dismiss)
