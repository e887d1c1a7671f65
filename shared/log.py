"""The one structured logger: one JSON object per line, in the shape Cloud Logging reads."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Cloud Logging groups the lines carrying this field under the request whose trace it names.
TRACE_FIELD = "logging.googleapis.com/trace"
_CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]{32})(?:/|$)")  # X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")  # W3C traceparent


def trace_id(cloud_trace_context: str | None, traceparent: str | None = None) -> str | None:
    """The request's trace id, from Google's header or the W3C one; None when neither carries one."""
    for header, pattern in ((cloud_trace_context, _CLOUD_TRACE), (traceparent, _TRACEPARENT)):
        match = pattern.match((header or "").strip())
        if match and set(match.group(1)) != {"0"}:
            return match.group(1).lower()
    return None


# Where the current request's trace id comes from: the HTTP adapters (functions/_lib) set it, since
# shared/ knows no web framework. Outside a request it answers None.
def _no_trace() -> str | None:
    return None


_current_trace_id: Callable[[], str | None] = _no_trace


def read_trace_ids_from(source: Callable[[], str | None]) -> None:
    global _current_trace_id
    _current_trace_id = source


def _trace_resource(trace: str) -> str | None:
    project = os.environ.get("RAPPORT_PROJECT_ID") or os.environ.get("GOOGLE_CLOUD_PROJECT")
    return f"projects/{project}/traces/{trace}" if project else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS})
        trace = _current_trace_id()
        resource = _trace_resource(trace) if trace else None
        if resource:
            entry[TRACE_FIELD] = resource
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def get_logger(name: str) -> logging.Logger:
    """A logger under the 'rapport' root, which writes JSON lines to stderr."""
    root = logging.getLogger("rapport")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
    return root.getChild(name)
