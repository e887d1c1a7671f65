"""Who a note names: @email, @the address before the @, or @Display Name, and never an address in running text."""

from __future__ import annotations

import pytest

from shared.crm.notify import mentioned_uids

MEMBERS = {
    "u-ada": {"email": "ada@lumenway.io", "displayName": "Ada Lovelace"},
    "u-ben": {"email": "ben.ng@lumenway.io", "displayName": None},
    "u-cy": {"email": "cy@lumenway.io", "displayName": "Cy"},
}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("@ada@lumenway.io please look", {"u-ada"}),
        ("Thanks @ADA@lumenway.io.", {"u-ada"}),
        ("cc @ben.ng, and @Ada Lovelace", {"u-ben", "u-ada"}),
        ("(@cy) can you call?", {"u-cy"}),
        ("@ada", {"u-ada"}),
        ("write to ada@lumenway.io later", set()),  # an address, not a mention
        ("@cyril knows", set()),  # another name that starts alike
        ("@adam and @ada.l", set()),
        ("no one here", set()),
    ],
)
def test_who_a_note_names(text, named):
    assert mentioned_uids(text, MEMBERS) == named
