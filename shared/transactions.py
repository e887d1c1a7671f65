"""Firestore transactions that survive contention.

`google.cloud.firestore.transactional` retries a transaction whose *commit* is aborted, but not one
whose *read* is: a read that waits on another transaction's lock ends in `Aborted` and goes straight
to the caller. Under the pipeline's load (ingestion, relationship refreshes and enrichment touching
the same contacts) that is ordinary contention, not a failure, so the whole transaction runs again
after a short, growing pause.

A plain write to a document that transactions also hold waits on their locks the same way, and is
aborted when the wait runs out (the emulator says "Transaction lock timeout"). An aborted commit
wrote nothing, so `WRITE_RETRY` sends it again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from google.api_core import exceptions, retry
from google.cloud import firestore

P = ParamSpec("P")
T = TypeVar("T")

_ON_CONTENTION = retry.Retry(
    predicate=retry.if_exception_type(exceptions.Aborted), initial=0.1, maximum=2.0, multiplier=2.0, timeout=60.0
)

# For `update(..., retry=WRITE_RETRY)` on a contended document: contention, and what the client's own
# commit retry covers (it is replaced, not added to).
WRITE_RETRY = _ON_CONTENTION.with_predicate(
    retry.if_exception_type(exceptions.Aborted, exceptions.ResourceExhausted, exceptions.ServiceUnavailable)
)


def transactional(
    body: Callable[Concatenate[firestore.Transaction, P], T],
) -> Callable[Concatenate[firestore.Transaction, P], T]:
    """Like `firestore.transactional`, and also runs `body` again when one of its reads is aborted."""
    attempt = firestore.transactional(body)

    @functools.wraps(body)
    def run(transaction: firestore.Transaction, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return _ON_CONTENTION(attempt)(transaction, *args, **kwargs)

    return run
