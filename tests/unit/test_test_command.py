"""`./rapport test`: which selections run on two pytest workers, and the order the tiers run in."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from devstack.commands.test import WORKERS, parallel_args
from tests.session_stack import TESTS, tier_rank

PARALLEL = ["-n", str(WORKERS), "--dist", "loadfile"]


def test_whole_tiers_run_on_two_workers_and_a_file_or_a_test_on_one():
    assert parallel_args(["tests"], None) == PARALLEL
    assert parallel_args(["--durations=20"], None) == PARALLEL  # pytest's testpaths: the whole suite
    assert parallel_args(["tests/integration", "tests/browser", "--durations=20"], None) == PARALLEL
    assert parallel_args(["tests/unit/test_routes.py"], None) == []
    assert parallel_args(["tests/integration", "tests/unit/test_routes.py"], None) == []
    assert parallel_args(["tests/unit/test_routes.py::test_the_openapi_document_is_current"], None) == []
    assert parallel_args(["tests", "-o", "console_output_style=classic"], None) == PARALLEL


def test_workers_asked_for_win_and_pytests_own_n_wins_over_them():
    assert parallel_args(["tests"], 1) == []
    assert parallel_args(["tests/unit/test_routes.py"], 3) == ["-n", "3", "--dist", "loadfile"]
    assert parallel_args(["tests", "-n", "4"], None) == []
    assert parallel_args(["tests", "--numprocesses=4"], 2) == []


def test_unit_tests_run_first_and_the_browser_tests_last():
    def item(path: str) -> SimpleNamespace:
        return SimpleNamespace(path=TESTS / path)

    collected = ["browser/test_b.py", "integration/test_i.py", "e2e/test_up.py", "unit/test_u.py"]
    ordered = sorted((item(path) for path in collected), key=tier_rank)  # type: ignore[arg-type]
    assert [Path(i.path).relative_to(TESTS).parts[0] for i in ordered] == ["unit", "e2e", "integration", "browser"]
