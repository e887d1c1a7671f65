"""The extraction bench's comparison with another commit: two versions of shared/ side by side in one process."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from bench import _reference as reference


def test_a_reference_is_loaded_beside_the_checkout_and_swapped_in_only_while_active(tmp_path: Path) -> None:
    import shared.mail.limits as current_limits

    old = reference.load_reference("HEAD", tmp_path, "shared.mail.limits")
    assert sys.modules["shared.mail.limits"] is current_limits  # the checkout's modules are back
    loaded = old.modules["shared.mail.limits"]
    assert loaded is not current_limits
    assert Path(loaded.__file__ or "").is_relative_to(tmp_path)
    with old.active():
        assert sys.modules["shared.mail.limits"] is loaded
        # A module first imported while the reference is active comes from the reference's folder.
        memo = importlib.import_module("shared.mail.memo")
        assert Path(memo.__file__ or "").is_relative_to(tmp_path)
    assert sys.modules["shared.mail.limits"] is current_limits
    assert old.modules["shared.mail.memo"] is memo
    assert sys.modules.get("shared.mail.memo") is not memo


def test_in_turns_gives_one_ratio_a_round_and_its_summary() -> None:
    items = list(range(50))
    fast = reference.Competitor(None, lambda item: item)
    slow = reference.Competitor(None, lambda item: sum(range(200)))
    turns = reference.in_turns(fast, slow, items, rounds=4, min_pass_seconds=0.001)
    assert len(turns.ratios) == len(turns.rates[0]) == len(turns.rates[1]) == 4
    summary = turns.summary()
    assert summary["rounds"] == 4
    assert summary["ratio_median"] > 1  # the first competitor is the faster one
    assert summary["ratio_range"][0] <= summary["ratio_median"] <= summary["ratio_range"][1]
    assert summary["ratio_of_best"] > 1
