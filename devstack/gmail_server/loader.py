"""Reading existing mail: a Takeout-style mbox file or a folder of .eml files, as raw message bytes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

_POSTMARK = re.compile(rb"^From [^\n]*\n", re.MULTILINE)
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def read_mbox(path: Path) -> Iterator[bytes]:
    """Messages of an mbox file, with the `From ` separators removed and `>From ` lines unescaped."""
    data = path.read_bytes()
    starts = [match for match in _POSTMARK.finditer(data) if match.start() == 0 or data[match.start() - 1] == 10]
    for index, postmark in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(data)
        message = _strip_separator(data[postmark.end() : end])
        if message.strip():
            yield _ESCAPED_FROM.sub(rb"\1", message)


def _strip_separator(message: bytes) -> bytes:
    # mbox writers put one empty line between a message and the next postmark; it is not message content.
    if message.endswith(b"\r\n\r\n"):
        return message[:-2]
    if message.endswith(b"\n\n"):
        return message[:-1]
    return message


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
