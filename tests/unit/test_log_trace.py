"""Log lines carry the request's trace, so Cloud Logging shows a request's lines together."""

from __future__ import annotations

import json
import logging

import flask
import pytest

import functions._lib  # noqa: F401 (registers the request's trace as the loggers' source)
from shared.log import TRACE_FIELD, JsonFormatter, trace_id

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def line(message: str = "hello") -> dict[str, object]:
    record = logging.makeLogRecord({"msg": message, "levelname": "INFO", "name": "rapport.test"})
    return dict(json.loads(JsonFormatter().format(record)))


@pytest.mark.parametrize(
    ("cloud", "w3c", "expected"),
    [
        (f"{TRACE}/1;o=1", None, TRACE),
        (TRACE, None, TRACE),
        (None, f"00-{TRACE}-00f067aa0ba902b7-01", TRACE),
        ("0" * 32 + "/1", None, None),
        ("not-a-trace", "garbage", None),
        (None, None, None),
    ],
)
def test_the_trace_id_is_read_from_googles_header_or_the_w3c_one(cloud, w3c, expected):
    assert trace_id(cloud, w3c) == expected


def test_a_line_logged_while_serving_a_request_names_its_trace(monkeypatch):
    monkeypatch.setenv("RAPPORT_PROJECT_ID", "rapport-example")
    app = flask.Flask(__name__)
    with app.test_request_context("/", headers={"X-Cloud-Trace-Context": f"{TRACE}/123;o=1"}):
        assert line()[TRACE_FIELD] == f"projects/rapport-example/traces/{TRACE}"
    assert TRACE_FIELD not in line()  # outside a request


def test_a_request_without_a_trace_logs_none(monkeypatch):
    monkeypatch.setenv("RAPPORT_PROJECT_ID", "rapport-example")
    with flask.Flask(__name__).test_request_context("/"):
        assert TRACE_FIELD not in line()
