"""What the entry points in functions/ share: HTTP plumbing and the decorators that declare a handler."""

import flask

from shared.log import read_trace_ids_from, trace_id


def _request_trace_id() -> str | None:
    if not flask.has_request_context():
        return None
    headers = flask.request.headers
    return trace_id(headers.get("X-Cloud-Trace-Context"), headers.get("traceparent"))


# Every function's log lines name the trace of the request (HTTP call, Pub/Sub push or task) they serve.
read_trace_ids_from(_request_trace_id)
