"""Case-insensitive patterns that stay fast on ASCII text.

Under `re.IGNORECASE` Python's regex engine cannot skip ahead to the characters a pattern
can start with, so a long alternation of words ("wrote|schrieb|a écrit|...") is tried at
every position and runs 5-10x slower than the same pattern without the flag. For ASCII
text, matching the lower-cased text with the pattern compiled case-sensitively finds the
same matches at the same positions, provided the pattern's letters are written in lower
case; other text keeps the IGNORECASE pattern.
"""

from __future__ import annotations

import re
import string

# Letters of escapes (\s, \W, \d, \b) and of group names may be upper case; literals may not.
_NOT_LITERAL = re.compile(r"\\[A-Za-z]|\(\?P<\w+>|\(\?P=\w+\)")
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_LETTER = re.compile(r"[a-z]", re.IGNORECASE)


def _ascii_partners(pattern: str) -> dict[int, str]:
    """Non-ASCII letters that IGNORECASE matches with an ASCII one ("ı" with "i", "ſ" with "s"):
    in lower-cased ASCII text only that ASCII letter can stand where they do."""
    partners: dict[int, str] = {}
    for ch in set(pattern) - set(string.printable):
        if _ASCII_LETTER.fullmatch(ch):  # a handful of letters in all of Unicode
            # Unicode gives each of them one ASCII partner.
            partners[ord(ch)] = next(c for c in string.ascii_lowercase if re.fullmatch(c, ch, re.IGNORECASE))
    return partners


class Caseless:
    """A pattern matched case-insensitively. Groups of a match on ASCII text are lower-cased:
    slice the original text with the match's spans where case matters.

    Each form is compiled when first used, not when the pattern is made: the mail modules hold
    hundreds of these (a sign-off pattern per closing word in every language), and a function that
    imports them without reading mail would otherwise pay for compiling them all as it starts."""

    __slots__ = ("flags", "ignorecase", "lowered", "pattern")
    ignorecase: re.Pattern[str]
    lowered: re.Pattern[str]  # for lower-cased ASCII text only

    def __init__(self, pattern: str, flags: int = 0) -> None:
        if any(ch != ch.lower() for ch in _LETTER.findall(_NOT_LITERAL.sub("", pattern))):
            raise ValueError(f"a caseless pattern is written in lower case: {pattern[:60]!r}")
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> re.Pattern[str]:
        # Called only while a slot is empty: once compiled, a form is read as a plain attribute.
        if name == "ignorecase":
            self.ignorecase = re.compile(self.pattern, self.flags | re.IGNORECASE)
            return self.ignorecase
        if name == "lowered":
            self.lowered = re.compile(self.pattern.translate(_ascii_partners(self.pattern)), self.flags)
            return self.lowered
        raise AttributeError(name)

    def on(self, folded: bool) -> re.Pattern[str]:
        """The compiled pattern for text that `fold` did (True) or did not (False) lower-case."""
        return self.lowered if folded else self.ignorecase

    def search(self, text: str) -> re.Match[str] | None:
        return self.lowered.search(text.lower()) if text.isascii() else self.ignorecase.search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self.lowered.match(text.lower()) if text.isascii() else self.ignorecase.match(text)


def fold(text: str) -> tuple[str, bool]:
    """(text to match, whether it was lower-cased), to run several caseless patterns on one text."""
    return (text.lower(), True) if text.isascii() else (text, False)
