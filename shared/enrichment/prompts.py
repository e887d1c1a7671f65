"""Prompts are data: Markdown files in `prompts/`, each with a `## System` and a `## User` section.
`$placeholders` in the user section are filled from the contact; nothing else builds prompt text."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).with_name("prompts")
_SECTION = re.compile(r"^## (System|User)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    system: str
    user: Template

    def render(self, **values: object) -> str:
        """The user turn; a placeholder without a value is an error, never a silent gap."""
        return self.user.substitute({key: str(value) for key, value in values.items()})


@functools.cache
def load_prompt(name: str) -> Prompt:
    text = (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    sections = {parts[i].lower(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise ValueError(f"prompt {name!r} needs exactly a '## System' and a '## User' section")
    return Prompt(system=sections["system"], user=Template(sections["user"] + "\n"))
