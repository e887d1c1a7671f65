"""The streaming mbox reader: `From ` lines, `>From ` quoting, CRLF, and messages split across reads."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.takeout.mbox import guess_owner, read_file, read_messages, to_fetched

MBOX = (
    b"From 1@xxx Mon Jan 08 10:00:00 +0000 2024\n"
    b"Message-ID: <a@x>\nFrom: Ann <ann@example.com>\nX-Gmail-Labels: Sent,Inbox\n\n"
    b"Hello\n>From the start of a line, quoted\n>>From twice quoted\nFrom here, not after a blank line\n\n"
    b"From 2@xxx Mon Jan 08 11:00:00 +0000 2024\n"
    b"Message-ID: <b@x>\nFrom: Bob <bob@example.com>\nX-Gmail-Labels: Spam\n\nSecond\n\n"
)


def _read(data: bytes, chunk_size: int) -> list[bytes]:
    return [message.raw for message in read_file(io.BytesIO(data), chunk_size=chunk_size)]


def test_messages_are_split_on_from_lines_and_unquoted():
    first, second = _read(MBOX, 1 << 20)
    assert first.endswith(
        b"Hello\nFrom the start of a line, quoted\n>From twice quoted\nFrom here, not after a blank line\n"
    )
    assert second == b"Message-ID: <b@x>\nFrom: Bob <bob@example.com>\nX-Gmail-Labels: Spam\n\nSecond\n"


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 41, 64, 4096])
def test_a_message_split_across_reads_comes_out_the_same(chunk_size):
    assert _read(MBOX, chunk_size) == _read(MBOX, 1 << 20)


@given(st.integers(min_value=1, max_value=300))
def test_any_read_size_gives_the_same_messages(chunk_size):
    assert _read(MBOX, chunk_size) == _read(MBOX, 1 << 20)


def test_offsets_point_at_each_from_line_and_reading_resumes_there():
    messages = list(read_file(io.BytesIO(MBOX), chunk_size=5))
    assert [m.offset for m in messages] == [0, MBOX.index(b"From 2@xxx")]
    assert messages[0].end == messages[1].offset
    assert messages[1].end == len(MBOX)
    resumed = list(read_file(io.BytesIO(MBOX), start=messages[1].offset, chunk_size=3))
    assert resumed == [messages[1]]


def test_crlf_mbox_and_a_file_without_a_final_newline():
    crlf = MBOX.replace(b"\n", b"\r\n")
    first, second = _read(crlf, 9)
    assert first.startswith(b"Message-ID: <a@x>\r\n")
    assert b"\r\nFrom the start of a line" in first
    assert second.endswith(b"Second\r\n")
    assert _read(MBOX.rstrip(b"\n"), 4)[-1].endswith(b"Second")


def test_a_from_line_first_in_the_body_after_a_blank_line_starts_a_message_only_when_written_so():
    # mboxrd writers quote it; an unquoted one after text (no blank line before it) stays in the body.
    data = b"From a\nSubject: x\n\nline\nFrom inside\n\nFrom b\nSubject: y\n\nz\n"
    assert _read(data, 3) == [b"Subject: x\n\nline\nFrom inside\n", b"Subject: y\n\nz\n"]


def test_empty_files_text_before_the_first_from_line_and_empty_messages_yield_nothing():
    assert _read(b"", 10) == []
    assert _read(b"garbage before\n", 10) == []
    assert _read(b"From a\n\nFrom b\nSubject: y\n\nz\n", 2) == [b"Subject: y\n\nz\n"]


def test_read_messages_takes_any_read_function():
    reads: list[int] = []
    stream = io.BytesIO(MBOX)

    def read(size: int) -> bytes:
        reads.append(size)
        return stream.read(size)

    assert len(list(read_messages(read, chunk_size=16))) == 2
    assert set(reads) == {16}


def test_fetched_ids_come_from_the_message_id_and_labels_from_takeout():
    first, second = (to_fetched(raw) for raw in _read(MBOX, 64))
    assert first.id == to_fetched(b"Message-ID: <a@x>\n\nother body").id
    assert first.label_ids == ("INBOX", "SENT")
    assert second.label_ids == ("SPAM",)
    assert guess_owner(_read(MBOX, 64)) == "ann@example.com"
    assert guess_owner([b"From: x@y\n\n"]) is None


def _by_lines(data: bytes) -> list[bytes]:
    """The rule spelled out line by line, to hold the buffer-scanning reader to it."""
    messages: list[list[bytes]] = []
    previous_blank, current = True, None
    lines = [part + b"\n" for part in data.split(b"\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    for line in lines:
        if previous_blank and line.startswith(b"From "):
            current = []
            messages.append(current)
        elif current is not None:
            current.append(line)
        previous_blank = line in (b"\n", b"\r\n")
    out = []
    for parts in messages:
        if parts and parts[-1] in (b"\n", b"\r\n"):
            parts = parts[:-1]
        raw = b"".join(parts)
        if raw.strip():
            out.append(re.sub(rb"^>(>*From )", rb"\1", raw, flags=re.MULTILINE))
    return out


@given(
    st.lists(st.sampled_from([b"From a@b x\n", b"\n", b"\r\n", b"text\n", b">From q\n", b"From in body\n", b"x"])),
    st.integers(min_value=1, max_value=40),
)
def test_the_reader_splits_as_the_line_by_line_rule_does(parts, chunk_size):
    data = b"".join(parts)
    assert _read(data, chunk_size) == _by_lines(data)
