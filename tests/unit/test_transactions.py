"""The transaction helper runs a transaction again when a read inside it is aborted."""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core import exceptions

from shared.transactions import transactional


class _Transaction:
    """Just enough of firestore.Transaction for `firestore.transactional` to drive it."""

    _read_only = False
    _max_attempts = 5

    def __init__(self) -> None:
        self._id: bytes | None = None
        self.begun = self.committed = self.rolled_back = 0

    def _clean_up(self) -> None:
        self._id = None

    def _begin(self, retry_id: Any = None) -> None:
        self.begun += 1
        self._id = b"t"

    def _commit(self) -> list[Any]:
        self.committed += 1
        return []

    def _rollback(self) -> None:
        self.rolled_back += 1
        self._id = None


def test_an_aborted_read_runs_the_whole_transaction_again():
    reads: list[int] = []

    @transactional
    def body(transaction: Any, value: int) -> int:
        reads.append(value)
        if len(reads) < 3:
            raise exceptions.Aborted("Transaction lock timeout.")
        return value * 2

    transaction = _Transaction()
    assert body(transaction, 21) == 42
    assert reads == [21, 21, 21]
    assert (transaction.begun, transaction.rolled_back, transaction.committed) == (3, 2, 1)


def test_other_failures_are_not_retried():
    calls = []

    @transactional
    def body(transaction: Any) -> None:
        calls.append(1)
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        body(_Transaction())
    assert calls == [1]
