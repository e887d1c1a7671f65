"""short_text_cache: short texts are read once, long ones every time."""

from __future__ import annotations

from shared.mail.memo import short_text_cache


def test_short_texts_are_kept_and_long_ones_read_each_time() -> None:
    calls: list[str] = []

    @short_text_cache(10)
    def shout(text: str, mark: str) -> str:
        calls.append(text)
        return text.upper() + mark

    assert shout("hi", "!") == shout("hi", "!") == "HI!"
    assert shout("hi", "?") == "HI?"  # every argument is part of the key
    assert shout("a long line", "!") == shout("a long line", "!") == "A LONG LINE!"
    assert calls == ["hi", "hi", "a long line", "a long line"]
    shout.cache_clear()  # type: ignore[attr-defined]
    shout("hi", "!")
    assert calls == ["hi", "hi", "a long line", "a long line", "hi"]
