"""Debian's chromium driven by Playwright (from PyPI), as the browser tests and the realtime benchmark use it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from devstack.processes import StackError

CHROMIUM = "/usr/bin/chromium"
# Flags that keep headless Chromium off the network and quiet on this kind of machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Nothing leaves loopback: names other than the local ones resolve to nothing (the Firestore SDK
    # probes www.google.com when a stream errors).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def launch_chromium(playwright: Any) -> Any:
    """A headless Debian chromium; never a browser Playwright would download."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        raise StackError("Debian's chromium is missing: apt-get install chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
