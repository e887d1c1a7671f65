"""What a prompt says, read the way a model would skim it: labelled facts, a job title, frequent topics.

Everything here is a pure function of the prompt text, so the same request always gets the same answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# Title keywords from most to least senior, each with the seniority level it implies.
_TITLE_LEVELS: tuple[tuple[str, str], ...] = (
    (r"chief \w+ officer|ceo|cto|cfo|coo|cmo|cio|ciso|cpo|president|founder|co-founder|owner|partner", "c_level"),
    (r"vice president|vp|svp|evp", "vp"),
    (r"director|head of", "director"),
    (r"manager|team lead|lead", "manager"),
    (r"principal|staff|senior|sr\.?", "senior"),
    (r"junior|jr\.?|intern|trainee|assistant|associate|graduate", "junior"),
    (r"engineer|developer|designer|analyst|consultant|specialist|scientist|accountant|recruiter|coordinator"
     r"|representative|officer|architect|counsel|advisor|editor|producer", "mid"),
)  # fmt: skip
SENIORITY_ORDER = ("junior", "mid", "senior", "manager", "director", "vp", "c_level")
_TITLE_PATTERNS = [
    (re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.IGNORECASE), level) for words, level in _TITLE_LEVELS
]

_LABELLED = re.compile(r"^[ \t]*[-*]?[ \t]*([A-Za-z][\w /-]{0,40}?)[ \t]*:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]")
_MIN_TOPIC_CHARS = 4
_STOPWORDS = frozenset(
    """about above after again against also among another because been before being below between both
    could does doing down during each every from further have having here hers herself himself into itself
    just least more most much must myself never only other ours ourselves over same shall should some such
    than that their theirs them themselves then there these they this those through under until upon very
    want were what when where which while whom whose will with within without would your yours yourself
    yourselves thanks thank regards best hello dear please none unknown sent received message messages email
    emails subject snippet re fwd fw week today tomorrow yesterday let's lets talk next call team""".split()  # noqa: SIM905 (a word list reads better as text)
)


@dataclass(frozen=True)
class PromptFacts:
    text: str
    labelled: dict[str, str] = field(default_factory=dict)  # "Key: value" lines, keys lower-cased
    emails: tuple[str, ...] = ()
    title: str | None = None
    seniority: str | None = None  # one of SENIORITY_ORDER, None without a recognisable title
    topics: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()

    def first(self, *keys: str) -> str | None:
        """The value of the first labelled fact whose key contains any of `keys`."""
        for key in keys:
            for label, value in self.labelled.items():
                if key in label and value.lower() not in ("none", "unknown", "n/a", "-"):
                    return value
        return None


def read_facts(text: str) -> PromptFacts:
    labelled: dict[str, str] = {}
    subjects: list[str] = []
    for match in _LABELLED.finditer(text):
        key, value = match.group(1).strip().lower(), match.group(2)
        labelled.setdefault(key, value)
        if "subject" in key:
            subjects.append(value)
    title = _title(labelled, text)
    return PromptFacts(
        text=text,
        labelled=labelled,
        emails=tuple(dict.fromkeys(_EMAIL.findall(text))),
        title=title,
        seniority=seniority_of(title) if title else None,
        topics=_topics(text, labels=labelled.keys()),
        subjects=tuple(subjects),
    )


def seniority_of(title: str) -> str | None:
    for pattern, level in _TITLE_PATTERNS:
        if pattern.search(title):
            return level
    return None


def _title(labelled: dict[str, str], text: str) -> str | None:
    for key in ("title", "job title", "position", "role"):
        value = labelled.get(key)
        if value and seniority_of(value):
            return value
    for line in text.splitlines():
        line = line.strip(" -*\t")
        if 0 < len(line) <= 60 and seniority_of(line):
            return line.split(":", 1)[-1].strip()
    return None


def _topics(text: str, *, labels: Iterable[str]) -> tuple[str, ...]:
    """Frequent content words, ties broken by first appearance."""
    label_words = {word for label in labels for word in label.split()}
    body = _EMAIL.sub(" ", text)
    words = [w.lower() for w in _WORD.findall(body)]
    counts = Counter(w for w in words if len(w) >= _MIN_TOPIC_CHARS and w not in _STOPWORDS and w not in label_words)
    first_seen = {w: i for i, w in reversed(list(enumerate(words)))}
    ranked = sorted(counts, key=lambda w: (-counts[w], first_seen[w]))
    return tuple(ranked[:10])
