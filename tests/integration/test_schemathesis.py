"""schemathesis against the functions with docs/openapi.json, as a workspace owner: no request gets a 5xx,
and every answer is one the document declares (status, content type, headers, body schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devstack.stack import LocalStack
from shared.workspaces import create_workspace
from tests.integration.api import User, new_user

pytestmark = pytest.mark.integration

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
WORKSPACE = "ws-schemathesis"


def _pinned_to_workspace(spec: dict[str, Any]) -> dict[str, Any]:
    """Requests name the one workspace the caller owns, so they get past the role check into the services."""
    for methods in spec["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "workspaceId":
                    parameter["schema"] = {"type": "string", "enum": [WORKSPACE]}
    for model in spec["components"]["schemas"].values():  # commands name it in their body
        if "workspaceId" in model.get("properties", {}):
            model["properties"]["workspaceId"] = {"type": "string", "enum": [WORKSPACE]}
    return spec


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
schema = schemathesis.openapi.from_dict(_pinned_to_workspace(json.loads(SPEC.read_text())))


@pytest.fixture(scope="module")
def owner(stack: LocalStack) -> User:
    stack.enable_auth()
    user = new_user(f"http://127.0.0.1:{stack.ports.auth}", "fuzzer")
    create_workspace(WORKSPACE, name="Fuzzed", owner_uid=user.uid, owner_email=user.email)
    return user


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_every_answer_conforms_to_the_document(case: schemathesis.Case, stack: LocalStack, owner: User) -> None:
    case.call_and_validate(
        base_url=stack.functions_url, headers={"Authorization": f"Bearer {owner.token}"}, checks=CHECKS
    )
