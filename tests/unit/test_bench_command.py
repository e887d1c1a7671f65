"""`./rapport bench`: the last line is one JSON object, and says who answered when a stand-in did."""

from __future__ import annotations

import argparse
import json
import types

import pytest

from devstack.commands import bench as bench_command


@pytest.mark.parametrize(
    ("answered_by", "expected"), [({"gmail": "local stand-in"}, {"gmail": "local stand-in"}), ({}, None)]
)
def test_the_result_names_the_stand_ins_that_answered(monkeypatch, capsys, answered_by, expected):
    module = types.SimpleNamespace(run=lambda args: {"messages_per_s": 12.5}, ANSWERED_BY=answered_by)
    monkeypatch.setattr(bench_command, "_available", lambda: ["fake"])
    monkeypatch.setattr(bench_command.importlib, "import_module", lambda name: module)
    monkeypatch.setattr(bench_command, "interrupt_on_sigterm", lambda: None)

    assert bench_command.run(argparse.Namespace(name="fake", bench_args=[])) == 0

    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["messages_per_s"] == 12.5
    assert result.get("answered_by") == expected
    assert ("local stand-in" in captured.err) is bool(answered_by)


def test_every_bench_that_runs_a_stack_says_what_answered():
    import bench.realtime
    import bench.sync

    assert "stand-in" in bench.sync.ANSWERED_BY["gmail"]
    assert bench.realtime.ANSWERED_BY["firestore"] == "emulator"
