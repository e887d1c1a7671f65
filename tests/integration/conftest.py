"""Fixtures the integration tests share."""

from __future__ import annotations

import pytest

from tests.integration.api import Api, User, team


@pytest.fixture
def crm(stack, firestore_db, workspace_id) -> tuple[Api, dict[str, User]]:  # type: ignore[no-untyped-def]
    """The HTTP API of a workspace with one signed-in user per role, and an outsider."""
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    return Api(stack.functions_url, workspace_id), users
