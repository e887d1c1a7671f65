"""The extraction benchmark runs end to end and keeps its quality targets on the corpora."""

from __future__ import annotations

import pytest

from bench import extraction


@pytest.fixture(scope="module")
def result() -> dict[str, object]:
    if not (extraction.DEFAULT_CORPORA / "quotes" / "gold.jsonl").exists():
        # The corpora sit beside the repository (../shared/corpora), as they do in CI: never skip.
        pytest.fail(f"no corpora at {extraction.DEFAULT_CORPORA}; they belong beside the repository")
    return extraction.run(["--seconds", "0.05"])


def test_reports_every_figure(result: dict[str, object]) -> None:
    for key in ("quote_pass", "signature_f1", "signature_precision", "signature_recall", "emails_per_s", "baseline"):
        assert key in result
    baseline = result["baseline"]
    assert isinstance(baseline, dict)
    assert {"quote_pass", "quote_only_per_s"} <= set(baseline)


def test_quality_targets_hold(result: dict[str, object]) -> None:
    assert result["quote_pass"] >= 0.9  # type: ignore[operator]
    assert result["signature_f1"] >= 0.9  # type: ignore[operator]


def test_readme_normalisation() -> None:
    assert extraction.normalise("a  \r\nb\n\n\n\nc\n") == "a\nb\n\nc"
    case = extraction.QuoteCase("x", "", exact="Hi\n\nAnn", contains=("^Hi$",), not_contains=("wrote",))
    assert case.passes("Hi   \n\n\n\nAnn\n")
    assert not case.passes("Hi\n\nAnn\nOn Monday Bob wrote:")
