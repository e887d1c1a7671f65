"""A useful subset of Gmail's search syntax, compiled to a predicate over stored messages.

Supported: `in:`, `label:`, `category:`, `is:`, `has:`, `from:`, `to:`, `cc:`, `bcc:`, `subject:`,
`rfc822msgid:`, `after:`, `before:`, `newer_than:`, `older_than:`, `larger:`, `smaller:`, bare words and
"phrases", `-` negation, `OR`, `{a b}` OR groups and `( )` grouping. Dates are read in UTC.
Unknown operators raise QueryError, which the API answers with a 400.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from devstack.gmail_server.labels import CATEGORY_LABELS, SPAM_AND_TRASH, LabelRegistry
from devstack.gmail_server.rfc822 import Envelope


class Searchable(Protocol):
    label_ids: set[str]
    envelope: Envelope
    internal_ms: int

    @property
    def size(self) -> int: ...

    def search_text(self) -> str: ...

    def has_attachment(self) -> bool: ...


Predicate = Callable[[Searchable], bool]


class QueryError(ValueError):
    pass


@dataclass(frozen=True)
class CompiledQuery:
    matches: Predicate
    # True when the query asks for spam or trash itself, which lifts the default exclusion as in Gmail.
    wants_spam_or_trash: bool


_IN_LABELS = {
    "inbox": "INBOX",
    "sent": "SENT",
    "spam": "SPAM",
    "trash": "TRASH",
    "draft": "DRAFT",
    "drafts": "DRAFT",
    "chat": "CHAT",
    "chats": "CHAT",
    "starred": "STARRED",
    "important": "IMPORTANT",
    "unread": "UNREAD",
}
_CATEGORIES = {
    "primary": "CATEGORY_PERSONAL",
    "personal": "CATEGORY_PERSONAL",
    "social": "CATEGORY_SOCIAL",
    "promotions": "CATEGORY_PROMOTIONS",
    "updates": "CATEGORY_UPDATES",
    "forums": "CATEGORY_FORUMS",
}
_IS_LABELS = {"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}
_AGE_UNITS_MS = {"d": 86_400_000, "m": 30 * 86_400_000, "y": 365 * 86_400_000}
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}
_TOKEN = re.compile(r'\s*(?:(?P<punct>[{}()])|"(?P<phrase>[^"]*)"?|(?P<word>[^\s{}()"]+))')
_DATE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")


def compile_query(query: str, *, registry: LabelRegistry, owner: str, now_ms: int | None = None) -> CompiledQuery:
    parser = _Parser(_tokenize(query), registry=registry, owner=owner, now_ms=now_ms or int(time.time() * 1000))
    predicate = parser.parse_all()
    return CompiledQuery(predicate, parser.wants_spam_or_trash)


@dataclass(frozen=True)
class _Token:
    kind: str  # "punct", "phrase", "word", "value" (an operator whose value is a group or a phrase)
    text: str
    value: str = ""


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if not match or match.end() == position:
            break
        position = match.end()
        if match.group("punct"):
            tokens.append(_Token("punct", match.group("punct")))
        elif match.group("phrase") is not None:
            tokens.append(_Token("phrase", match.group("phrase")))
        elif match.group("word"):
            word = match.group("word")
            if word.startswith("-"):
                tokens.append(_Token("punct", "-"))
                word = word[1:]
                if not word:
                    continue
            if word.endswith(":") and position < len(query) and query[position] in '("':
                value, position = _grouped_value(query, position)
                tokens.append(_Token("value", word[:-1], value))
            else:
                tokens.append(_Token("word", word))
    return tokens


def _grouped_value(query: str, position: int) -> tuple[str, int]:
    closing = ")" if query[position] == "(" else '"'
    end = query.find(closing, position + 1)
    end = len(query) if end == -1 else end
    return query[position + 1 : end], end + 1


class _Parser:
    def __init__(self, tokens: list[_Token], *, registry: LabelRegistry, owner: str, now_ms: int) -> None:
        self._tokens = tokens
        self._index = 0
        self._registry = registry
        self._owner = owner
        self._now_ms = now_ms
        self._negated = False
        self.wants_spam_or_trash = False

    def parse_all(self) -> Predicate:
        predicate = self._conjunction(closing=None)
        if self._index < len(self._tokens):
            raise QueryError(f"Invalid search query: unexpected {self._tokens[self._index].text!r}")
        return predicate

    def _peek(self) -> _Token | None:
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _conjunction(self, closing: str | None) -> Predicate:
        terms: list[Predicate] = []
        while (token := self._peek()) is not None and not (token.kind == "punct" and token.text == closing):
            if token.kind == "punct" and token.text in ")}":
                raise QueryError(f"Invalid search query: unbalanced {token.text!r}")
            if token.kind == "word" and token.text == "AND":
                self._index += 1
                continue
            terms.append(self._disjunction())
        return _all_of(terms)

    def _disjunction(self) -> Predicate:
        alternatives = [self._unary()]
        while (token := self._peek()) is not None and token.kind == "word" and token.text == "OR":
            self._index += 1
            alternatives.append(self._unary())
        return alternatives[0] if len(alternatives) == 1 else _any_of(alternatives)

    def _unary(self) -> Predicate:
        token = self._peek()
        if token is None:
            raise QueryError("Invalid search query: expected a term")
        self._index += 1
        if token.kind == "punct" and token.text in "({":
            return self._group(token.text)
        if token.kind == "punct" and token.text == "-":
            return self._negation()
        if token.kind == "punct":
            raise QueryError(f"Invalid search query: unexpected {token.text!r}")
        return self._atom(token)

    def _negation(self) -> Predicate:
        self._negated = not self._negated
        try:
            inner = self._unary()
        finally:
            self._negated = not self._negated
        return lambda message: not inner(message)

    def _group(self, opening: str) -> Predicate:
        closing = ")" if opening == "(" else "}"
        if opening == "(":
            inner = self._conjunction(closing=closing)
        else:
            alternatives: list[Predicate] = []
            while (token := self._peek()) is not None and not (token.kind == "punct" and token.text == closing):
                alternatives.append(self._unary())
            inner = _any_of(alternatives)
        if self._peek() is None:
            raise QueryError(f"Invalid search query: missing {closing!r}")
        self._index += 1
        return inner

    def _atom(self, token: _Token) -> Predicate:
        if token.kind == "phrase":
            return _text_contains(token.text.lower())
        if token.kind == "value":
            return self._operator(token.text.lower(), token.value)
        operator, colon, value = token.text.partition(":")
        if colon and operator and re.fullmatch(r"[A-Za-z_0-9]+", operator):
            return self._operator(operator.lower(), value)
        return _text_contains(token.text.lower())

    def _operator(self, operator: str, value: str) -> Predicate:
        handler = _OPERATORS.get(operator)
        if handler is None:
            raise QueryError(f"Invalid search query: unsupported operator {operator}:")
        return handler(self, value.strip())

    # Operators ------------------------------------------------------------------------------------

    def _label_predicate(self, label: str | None) -> Predicate:
        if label is None:
            return lambda message: False
        if label in SPAM_AND_TRASH and not self._negated:
            self.wants_spam_or_trash = True
        return lambda message: label in message.label_ids

    def _in(self, value: str) -> Predicate:
        name = value.lower()
        if name in ("anywhere", "all"):
            if not self._negated and name == "anywhere":
                self.wants_spam_or_trash = True
            return lambda message: True
        return self._label_predicate(_IN_LABELS.get(name) or self._registry.find(value))

    def _label(self, value: str) -> Predicate:
        return self._label_predicate(_IN_LABELS.get(value.lower()) or self._registry.find(value))

    def _category(self, value: str) -> Predicate:
        label = _CATEGORIES.get(value.lower())
        if label is None:
            raise QueryError(f"Invalid search query: unknown category {value!r}")
        if label == "CATEGORY_PERSONAL":
            # Mail Gmail never categorised counts as primary too.
            return lambda message: label in message.label_ids or not (message.label_ids & CATEGORY_LABELS)
        return lambda message: label in message.label_ids

    def _is(self, value: str) -> Predicate:
        name = value.lower()
        if name == "read":
            return lambda message: "UNREAD" not in message.label_ids
        if name in _IS_LABELS:
            return self._label_predicate(_IS_LABELS[name])
        raise QueryError(f"Invalid search query: unsupported is:{value}")

    def _has(self, value: str) -> Predicate:
        name = value.lower()
        if name == "attachment":
            return lambda message: message.has_attachment()
        if name == "userlabels":
            return lambda message: any(label.startswith("Label_") for label in message.label_ids)
        if name == "nouserlabels":
            return lambda message: not any(label.startswith("Label_") for label in message.label_ids)
        raise QueryError(f"Invalid search query: unsupported has:{value}")

    def _from(self, value: str) -> Predicate:
        needle = self._owner if value.lower() == "me" else value.lower()
        return lambda message: needle in message.envelope.sender.lower()

    def _to(self, value: str) -> Predicate:
        needle = self._owner if value.lower() == "me" else value.lower()

        def matches(message: Searchable) -> bool:
            envelope = message.envelope
            return any(needle in field.lower() for field in (envelope.to, envelope.cc, envelope.bcc))

        return matches

    def _cc(self, value: str) -> Predicate:
        needle = self._owner if value.lower() == "me" else value.lower()
        return lambda message: needle in message.envelope.cc.lower()

    def _bcc(self, value: str) -> Predicate:
        needle = self._owner if value.lower() == "me" else value.lower()
        return lambda message: needle in message.envelope.bcc.lower()

    def _subject(self, value: str) -> Predicate:
        words = value.lower().split()
        return lambda message: all(word in message.envelope.subject.lower() for word in words)

    def _rfc822msgid(self, value: str) -> Predicate:
        wanted = value.strip("<>").lower()
        return lambda message: message.envelope.message_id.strip("<>").lower() == wanted

    def _after(self, value: str) -> Predicate:
        bound = _date_ms(value)
        return lambda message: message.internal_ms >= bound

    def _before(self, value: str) -> Predicate:
        bound = _date_ms(value)
        return lambda message: message.internal_ms < bound

    def _newer_than(self, value: str) -> Predicate:
        bound = self._now_ms - _age_ms(value)
        return lambda message: message.internal_ms >= bound

    def _older_than(self, value: str) -> Predicate:
        bound = self._now_ms - _age_ms(value)
        return lambda message: message.internal_ms < bound

    def _larger(self, value: str) -> Predicate:
        bound = _size_bytes(value)
        return lambda message: message.size > bound

    def _smaller(self, value: str) -> Predicate:
        bound = _size_bytes(value)
        return lambda message: message.size < bound


_OPERATORS: dict[str, Callable[[_Parser, str], Predicate]] = {
    "in": _Parser._in,
    "label": _Parser._label,
    "category": _Parser._category,
    "is": _Parser._is,
    "has": _Parser._has,
    "from": _Parser._from,
    "to": _Parser._to,
    "cc": _Parser._cc,
    "bcc": _Parser._bcc,
    "subject": _Parser._subject,
    "rfc822msgid": _Parser._rfc822msgid,
    "after": _Parser._after,
    "before": _Parser._before,
    "newer_than": _Parser._newer_than,
    "older_than": _Parser._older_than,
    "larger": _Parser._larger,
    "smaller": _Parser._smaller,
}


def _all_of(terms: list[Predicate]) -> Predicate:
    if len(terms) == 1:
        return terms[0]
    return lambda message: all(term(message) for term in terms)


def _any_of(terms: list[Predicate]) -> Predicate:
    return lambda message: any(term(message) for term in terms)


def _text_contains(needle: str) -> Predicate:
    def matches(message: Searchable) -> bool:
        envelope = message.envelope
        headers = f"{envelope.subject}\n{envelope.sender}\n{envelope.to}\n{envelope.cc}".lower()
        return needle in headers or needle in message.search_text().lower()

    return matches


def _date_ms(value: str) -> int:
    if value.isdigit():
        return int(value) * 1000
    match = _DATE.match(value)
    if not match:
        raise QueryError(f"Invalid search query: bad date {value!r}")
    try:
        day = datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError as error:
        raise QueryError(f"Invalid search query: bad date {value!r}") from error
    return int(day.timestamp() * 1000)


def _age_ms(value: str) -> int:
    match = re.fullmatch(r"(\d+)([dmy])", value.lower())
    if not match:
        raise QueryError(f"Invalid search query: bad age {value!r}")
    return int(match[1]) * _AGE_UNITS_MS[match[2]]


def _size_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)([km]?)", value.lower())
    if not match:
        raise QueryError(f"Invalid search query: bad size {value!r}")
    return int(match[1]) * _SIZE_UNITS[match[2]]
