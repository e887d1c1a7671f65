"""Counts the Firestore documents a web page reads, from what the server delivers to it.

The web app turns on the Firestore SDK's debug log when `localStorage["rapport.firestoreDebug"]` is "1"
and it talks to the emulator (web/src/lib/firebase.ts). That log prints every message the server sends:
each `documentChange` on a listen stream is one document delivered to a listener (the unit Firestore
bills a listener's reads in), each `found` of a batch get and each `document` of a one-off query a
document read, and each aggregation answer a read (one per thousand index entries counted).
"""

from __future__ import annotations

import threading
import time
from typing import Any

ENABLE_DEBUG_LOG = 'window.localStorage.setItem("rapport.firestoreDebug", "1");'
_MARKS = {
    "RPC 'Listen' stream": '"documentChange"',
    "RPC 'BatchGetDocuments'": '"found"',
    "RPC 'RunQuery'": '"document"',
}


class ReadMeter:
    """Attach to a browser context before its pages load; `reads` counts every page of the context."""

    def __init__(self, context: Any) -> None:
        self.reads = 0
        self.aggregations = 0
        self._lock = threading.Lock()
        context.add_init_script(ENABLE_DEBUG_LOG)
        context.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        text = message.text
        if "@firebase/firestore" not in text or " received" not in text:
            return
        counted = 0
        for rpc, mark in _MARKS.items():
            if rpc in text:
                counted += text.count(mark)
        aggregation = 1 if "RPC 'RunAggregationQuery'" in text else 0
        with self._lock:
            self.reads += counted + aggregation
            self.aggregations += aggregation

    def take(self) -> int:
        """Reads since the last `take`."""
        with self._lock:
            reads, self.reads = self.reads, 0
            return reads

    def settle(self, page: Any, quiet_s: float = 1.0) -> int:
        """Reads from now until none arrived for `quiet_s`: every listener has had its first answer."""
        total, quiet_since = 0, time.monotonic()
        while time.monotonic() - quiet_since < quiet_s:
            page.wait_for_timeout(200)
            more = self.take()
            if more:
                total, quiet_since = total + more, time.monotonic()
        return total
