"""HTML mail bodies to plain text, with the standard library only.

Block elements become line breaks and <blockquote> becomes "> " quoting, so the quote
stripper treats an HTML-only reply like a plain-text one.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "section"}
)
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
_VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"})
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0

    def _break(self, paragraph: bool = False) -> None:
        """End the current line; a paragraph also leaves one blank line behind it."""
        text = _SPACES.sub(" ", "".join(self.current)).strip()
        prefix = "> " * self.quote_depth
        if text:
            self.lines.append(prefix + text)
        if paragraph and self.lines and self.lines[-1].strip("> "):
            self.lines.append(prefix.rstrip())
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skip_depth += 1
        elif tag == "blockquote":
            self._break(paragraph=True)
            self.quote_depth += 1
        elif tag == "br":
            self._line_break()
        elif tag in _BLOCK_TAGS:
            self._break()
        elif tag in {"td", "th"}:
            self.current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._line_break()
        elif tag in _BLOCK_TAGS:
            self._break()

    def _line_break(self) -> None:
        # A <br> on an empty line is a deliberate blank line (<br><br> between paragraphs).
        if "".join(self.current).strip():
            self._break()
        elif self.lines and self.lines[-1].strip("> "):
            self.lines.append(("> " * self.quote_depth).rstrip())

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "blockquote":
            self._break()
            self.quote_depth = max(0, self.quote_depth - 1)
            self._break(paragraph=True)
        elif tag in _BLOCK_TAGS and tag not in _VOID_TAGS:
            self._break(paragraph=tag == "p")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data.replace("\r", "").replace("\n", " "))


def html_to_text(markup: str) -> str:
    """Readable text of an HTML document; never raises."""
    collector = _TextCollector()
    try:
        collector.feed(markup)
        collector.close()
    except Exception:  # the parser is lenient, but never let odd markup escape
        return html.unescape(re.sub(r"<[^>]*>", " ", markup)).strip()
    collector._break()
    return _BLANK_RUNS.sub("\n\n", "\n".join(collector.lines)).strip()
