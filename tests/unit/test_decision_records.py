"""Every decision record has the same parts and a line in the index, so a newcomer finds and reads them alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DECISIONS = Path(__file__).parents[2] / "docs" / "decisions"
RECORDS = sorted(DECISIONS.glob("[0-9][0-9][0-9][0-9]-*.md"))
HEADER = re.compile(r"Status: (proposed|accepted|superseded by \d+) · Date: \d{4}-\d{2}-\d{2}")
PARTS = ("**Context.**", "**Alternatives considered.**", "**Decision.**")


def test_there_are_records():
    assert RECORDS


@pytest.mark.parametrize("record", RECORDS, ids=lambda path: path.name)
def test_a_record_has_a_status_a_date_and_every_part_in_order(record: Path):
    lines = record.read_text().splitlines()
    number = int(record.name[:4])
    assert lines[0].startswith(f"# {number}. ")
    assert HEADER.fullmatch(lines[2]), lines[2]
    starts = [next((i for i, line in enumerate(lines) if line.startswith(part)), -1) for part in PARTS]
    assert -1 not in starts, dict(zip(PARTS, starts, strict=True))
    assert starts == sorted(starts)


@pytest.mark.parametrize("record", RECORDS, ids=lambda path: path.name)
def test_the_index_lists_a_record_with_its_status(record: Path):
    status = HEADER.fullmatch(record.read_text().splitlines()[2]).group(1)  # type: ignore[union-attr]
    assert f"]({record.name}) | {status} |" in (DECISIONS / "README.md").read_text()
