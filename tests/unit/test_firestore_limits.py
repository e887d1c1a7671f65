"""Document sizes as Firestore documents them, and the limits a document must stay within."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared import firestore_limits


def test_the_documented_example_measures_147_bytes() -> None:
    # https://firebase.google.com/docs/firestore/storage-size: a task in users/jeff/tasks.
    task = {"type": "Personal", "done": False, "priority": 1, "description": "Learn Cloud Firestore"}
    assert firestore_limits.document_size("users/jeff/tasks/my_task_id", task) == 147


def test_strings_are_measured_in_utf8_bytes_and_maps_by_keys_and_values() -> None:
    assert firestore_limits.value_size("字") == 4
    assert firestore_limits.value_size({"a": [None, 1.5, datetime.now(UTC)]}) == 2 + 1 + 8 + 8


def test_problems_name_each_limit_a_document_breaks() -> None:
    path = "workspaces/w/interactions/i"
    assert (
        firestore_limits.problems(path, {"subject": "ok", "people": [{"name": "x" * 2_000}]}, frozenset({"people"}))
        == []
    )
    found = firestore_limits.problems(path, {"subject": "x" * 1_600, "body": "y" * 1_100_000})
    assert any("document limit" in problem for problem in found)
    assert any(problem.startswith("subject is") for problem in found)
    assert firestore_limits.problems(path, {f"f{i}": i for i in range(20_001)})[0].startswith("20001 fields")
    assert "index entries" in firestore_limits.problems(path, {"ids": [str(i) for i in range(40_001)]})[0]


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("ws-1", True),
        ("a__b", True),
        ("__x__", False),
        ("__not_in_enum__", False),
        ("", False),
        ("a/b", False),
        (".", False),
        ("..", False),
        ("x" * 1_501, False),
    ],
)
def test_document_ids_are_checked_as_firestore_checks_them(text, accepted):
    assert firestore_limits.is_document_id(text) is accepted
