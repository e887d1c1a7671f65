"""Cloud Functions entry points, one per function declared in shared/resources.json.

Each is deployed as its own function from this one source, with `entry_point` naming the
attribute below; the local functions host serves the same ones.
"""

import importlib

from shared.resources import resources

for _function in resources().functions.values():
    # functions/<entry_point>.py defines <entry_point>.
    _module = importlib.import_module(f"functions.{_function.entry_point}")
    globals()[_function.entry_point] = getattr(_module, _function.entry_point)
