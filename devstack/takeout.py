"""Google Takeout's Gmail export read from a local file, by the local Gmail server and `./rapport import-mbox`,
with the same streaming reader as the product's Takeout import (shared/takeout/mbox.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from shared.takeout.mbox import TAKEOUT_LABELS, read_file, system_labels

__all__ = ["TAKEOUT_LABELS", "read_mbox", "system_labels"]


def read_mbox(path: Path) -> Iterator[bytes]:
    """Messages of an mbox file, with the `From ` separators removed and `>From ` lines unescaped."""
    with path.open("rb") as stream:
        for message in read_file(stream):
            yield message.raw
