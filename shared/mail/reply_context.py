"""The reply in context: the author's own lines in order, each after the quoted lines it answers.

"Yes, agreed." under "> Shall we sign on Friday?" says little without the line it answers. The
visible reply (quotes.py) keeps the author's words only, and search, summaries, embeddings and
signature reading use it; the timeline shows this instead, so an inline answer reads as it did in
the mail client. The rule is Discourse's email_reply_trimmer's for a reply shown as a post
(decision 29):

- quoted lines directly above an own line (blank lines among them, and a quoted line's wrapped
  tail, are part of the quote) are kept, as a quote, before that line;
- quoted lines with no own text after them (trailing quotes, the history under a top-posted
  reply), attributions ("On ... wrote:"), header blocks, forwarded messages and signatures are not;
- a reply written below the whole quoted message (the body opens with an attribution, the quote
  follows, and no quoted line stands among or after the author's lines before any further
  history: bottom posting) answers that message as a whole, which is its own entry on the
  timeline; like a top-posted reply it has no context.

When no quote is kept the context is the reply itself, and it is given as no blocks at all.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from shared.mail.limits import (
    MAX_CONTEXT_BLOCKS,
    MAX_CONTEXT_CHARS,
    MAX_CONTEXT_QUOTE_CHARS,
    MAX_CONTEXT_TEXT_CHARS,
    bounded,
)
from shared.mail.quotes import (
    history_start,
    is_quoted,
    opens_with_attribution,
    repair_quoted_printable,
    split_lines,
)

# One level of quote marks ("> ", ">", "JD> "): a nested quote keeps its own.
_ONE_QUOTE_LEVEL = re.compile(r"^[ \t]*(?:[A-Z]{1,3})?> ?")


class ContextBlock(NamedTuple):
    """A run of the author's own lines (quoted False) or the quoted lines the next run answers,
    without their first level of quote marks."""

    quoted: bool
    text: str


def reply_in_context(text: str, reply: str) -> tuple[ContextBlock, ...]:
    """`reply` (the visible reply split_reply read from `text`) with the quotes it answers, in
    order; () when no quoted line answers any of it (the context is the reply)."""
    last = reply.rstrip().rpartition("\n")[2].strip()  # the reply is stripped and holds no blank runs
    if not last or ">" not in text:
        return ()
    end = text.rfind(last)
    if end >= 0 and text.find(">", 0, end) < 0:
        return ()  # no quoted line stands above the author's last line: top posting
    own = reply.split("\n")
    lines = split_lines(repair_quoted_printable(text))
    positions = _positions(lines, own)
    if positions is None:
        return ()  # the reply is not the body's own lines (a bare quote shown as it is)
    quotes: dict[int, tuple[int, int]] = {}
    previous = 0
    for position in positions:
        region = _quote_above(lines, previous, position)
        if region is not None:
            quotes[position] = region
        previous = position + 1
    if not quotes or _is_bottom_posting(lines, positions, quotes):
        return ()
    return _blocks(lines, own, positions, quotes)


def context_text(blocks: tuple[ContextBlock, ...]) -> str:
    """The blocks as mail writes them: each quoted line marked "> ", blocks a blank line apart."""
    parts = [
        "\n".join(f"> {line}".rstrip() for line in block.text.split("\n")) if block.quoted else block.text
        for block in blocks
    ]
    return "\n\n".join(parts)


def _positions(lines: list[str], own: list[str]) -> list[int] | None:
    """Where each non-blank line of the reply stands in the body, in order; None if one is missing."""
    positions: list[int] = []
    index = 0
    for wanted in (line.strip() for line in own):
        if not wanted:
            continue
        while index < len(lines) and (lines[index].strip() != wanted or is_quoted(lines[index])):
            index += 1
        if index == len(lines):
            return None
        positions.append(index)
        index += 1
    return positions


def _quote_above(lines: list[str], start: int, stop: int) -> tuple[int, int] | None:
    """The quoted lines (start, end) directly above line `stop`, looking no higher than `start`."""
    index = stop - 1
    while index >= start and not lines[index].strip():
        index -= 1
    end = index + 1
    while index >= start:
        line = lines[index]
        if not line.strip() or is_quoted(line):
            index -= 1
        elif start < index < end - 1 and is_quoted(lines[index - 1]) and is_quoted(lines[index + 1]):
            index -= 1  # a quoted line wrapped by a client: still the quote
        else:
            break
    begin = index + 1
    while begin < end and not lines[begin].strip():
        begin += 1
    return (begin, end) if begin < end else None


def _is_bottom_posting(lines: list[str], positions: list[int], quotes: dict[int, tuple[int, int]]) -> bool:
    first = positions[0]
    if list(quotes) != [first] or not opens_with_attribution(lines):
        return False
    after = lines[first + 1 :]
    if not any(is_quoted(line) for line in after):
        return True
    return not any(is_quoted(line) for line in after[: history_start(after)])


def _blocks(
    lines: list[str], own: list[str], positions: list[int], quotes: dict[int, tuple[int, int]]
) -> tuple[ContextBlock, ...]:
    blocks: list[ContextBlock] = []
    current: list[str] = []

    def flush() -> None:
        text = "\n".join(current).strip("\n")
        if text.strip():
            blocks.append(ContextBlock(False, text))
        current.clear()

    at = iter(positions)
    for line in own:
        region = quotes.get(next(at)) if line.strip() else None
        if region is not None:
            flush()
            begin, end = region
            quoted = [_ONE_QUOTE_LEVEL.sub("", quoted_line, count=1).rstrip() for quoted_line in lines[begin:end]]
            blocks.append(ContextBlock(True, "\n".join(quoted)))
        current.append(line)
    flush()
    return tuple(blocks)


def stored_context(blocks: tuple[ContextBlock, ...]) -> list[dict[str, Any]]:
    """The blocks as an interaction stores them, bounded (limits.py): of a quote its end (the lines
    right above the answer), of the author's text its start, and no quote left without its answer."""
    stored: list[dict[str, Any]] = []
    total = 0
    for block in blocks[:MAX_CONTEXT_BLOCKS]:
        text = _quote_end(block.text) if block.quoted else _text_start(block.text)
        if total + len(text) > MAX_CONTEXT_CHARS:
            break
        total += len(text)
        stored.append({"quoted": block.quoted, "text": text})
    while stored and stored[-1]["quoted"]:
        stored.pop()  # its answer did not fit
    return stored if any(block["quoted"] for block in stored) else []


def _quote_end(text: str) -> str:
    text = text.strip("\n")
    if len(text) <= MAX_CONTEXT_QUOTE_CHARS:
        return bounded(text, MAX_CONTEXT_QUOTE_CHARS) or ""
    tail = text[-(MAX_CONTEXT_QUOTE_CHARS - 1) :]
    _, newline, whole_lines = tail.partition("\n")
    if newline and whole_lines.strip():
        tail = whole_lines  # from the start of a line
    return bounded(f"…{tail}", MAX_CONTEXT_QUOTE_CHARS) or ""


def _text_start(text: str) -> str:
    if len(text) <= MAX_CONTEXT_TEXT_CHARS:
        return bounded(text, MAX_CONTEXT_TEXT_CHARS) or ""
    return f"{bounded(text, MAX_CONTEXT_TEXT_CHARS - 1)}…"
