"""Remembering pure functions of short texts: the lines, names and headers a mailbox sees again.

A writer's signature, display name and address come back in every mail they send, so the
costly readings of them (name and phone parsers, the line tests) are kept. Only short
texts are kept, so that a huge one-line message cannot fill memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

CACHE_SIZE = 4096


def short_text_cache(max_chars: int) -> Callable[[F], F]:
    """An LRU cache for a function whose first argument is a text of at most `max_chars`;
    longer texts are read each time. Every argument must be hashable."""

    def decorate(function: F) -> F:
        cached = functools.lru_cache(maxsize=CACHE_SIZE)(function)

        @functools.wraps(function)
        def read(text: str, *args: Any) -> Any:
            return cached(text, *args) if len(text) <= max_chars else function(text, *args)

        read.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return cast(F, read)

    return decorate
