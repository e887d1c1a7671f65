"""The route table: each public function declares its operations, and docs/openapi.json and the
Hosting rewrites in firebase.json are generated from those declarations."""

from __future__ import annotations

import json

import pytest

from functions._lib.routes import (
    FIREBASE_FILE,
    OPENAPI_FILE,
    firebase_config,
    openapi_document,
    public_functions,
    route_table,
)
from shared.crm.kinds import KINDS

REGENERATE = "regenerate: .venv/bin/python -m functions._lib.routes"


@pytest.fixture(scope="module")
def table():
    return route_table()


def test_the_openapi_document_is_current(table):
    assert json.loads(OPENAPI_FILE.read_text()) == openapi_document(table), REGENERATE


def test_the_hosting_rewrites_are_current(table):
    assert json.loads(FIREBASE_FILE.read_text()) == firebase_config(table), REGENERATE


def test_regenerating_firebase_json_changes_only_its_rewrites(table):
    """Hosting's headers (the security policy), the emulators and the rules are written by hand."""
    written = json.loads(FIREBASE_FILE.read_text())
    generated = firebase_config(table)
    assert generated["hosting"]["headers"] == written["hosting"]["headers"]
    assert {**generated, "hosting": None} == {**written, "hosting": None}
    assert {**generated["hosting"], "rewrites": None} == {**written["hosting"], "rewrites": None}


def test_every_public_function_declares_operations_under_its_own_name(table):
    assert set(table) == set(public_functions())
    for name, operations in table.items():
        assert operations, f"{name} declares no operation"
        assert {operation.function for operation in operations} == {name}


def test_every_operation_is_documented_with_a_real_answer_schema(table):
    paths = openapi_document(table)["paths"]
    for operations in table.values():
        for operation in operations:
            documented = paths[operation.path][operation.method.lower()]
            success = documented["responses"][str(operation.status)]
            if operation.status in (204, 302):
                assert "content" not in success
                continue
            schema = next(iter(success["content"].values()))["schema"]
            assert schema != {"type": "object"}, f"{operation.method} {operation.path}"
            if operation.content_type == "application/json":
                assert schema["$ref"].startswith("#/components/schemas/")


def test_commands_are_posts_and_records_are_rest(table):
    """docs/decisions/0017: REST for records (collection and /{id}), POST with a JSON body for commands."""
    for operations in table.values():
        for operation in operations:
            if operation.body is not None and operation.query is None and not operation.subpath:
                assert operation.method == "POST", operation.path


def test_every_kind_has_its_paths_in_the_document(table):
    paths = openapi_document(table)["paths"]
    for collection, kind in KINDS.items():
        assert {"get", "post"} <= set(paths[f"/{collection}"])
        assert {"get", "patch", "delete"} <= set(paths[f"/{kind.name}/{{id}}"])
