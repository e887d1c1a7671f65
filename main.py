"""Cloud Functions entry points, one per function declared in shared/resources.json.

Each is deployed as its own function from this one source, with `entry_point` naming the
attribute below; the local functions host serves the same ones. functions-framework asks this
module for the one attribute its target names, and only then is that function's module
imported, so a cold start pays for its own function and not for every other one.
"""

from __future__ import annotations

import importlib
from typing import Any

from shared.resources import resources


def entry_points() -> list[str]:
    return sorted(function.entry_point for function in resources().functions.values())


def __getattr__(name: str) -> Any:
    if name not in entry_points():
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # functions/<entry_point>.py defines <entry_point>.
    function = getattr(importlib.import_module(f"functions.{name}"), name)
    globals()[name] = function
    return function


def __dir__() -> list[str]:
    return sorted({*globals(), *entry_points()})
