"""Reading existing mail: a Takeout-style mbox file or a folder of .eml files, as raw message bytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from devstack.takeout import read_mbox


def read_eml_dir(path: Path) -> Iterator[bytes]:
    for file in sorted(path.rglob("*.eml")):
        data = file.read_bytes()
        if data.strip():
            yield data


def read_mail(*, mbox: str | None = None, eml_dir: str | None = None) -> list[bytes]:
    if mbox:
        return list(read_mbox(Path(mbox)))
    if eml_dir:
        return list(read_eml_dir(Path(eml_dir)))
    return []
