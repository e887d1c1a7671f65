"""Switchable failures, so tests can watch a client retry, give up or stop."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from devstack.gemini_server import errors


@dataclass
class _Fault:
    code: int
    remaining: int | None  # None: until cleared
    model: str | None
    message: str | None


class FaultSwitch:
    """Queued failures: the next `times` matching requests fail with `code`, then the server answers again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []

    def inject(self, code: int, *, times: int | None = 1, model: str | None = None, message: str | None = None) -> None:
        if code not in errors.supported_fault_codes():
            raise ValueError(f"unsupported fault code {code}; use one of {sorted(errors.supported_fault_codes())}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for a lasting fault")
        with self._lock:
            self._faults.append(_Fault(code, times, model, message))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, model: str) -> errors.ApiError | None:
        with self._lock:
            for fault in self._faults:
                if fault.model in (None, model):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return errors.ApiError(fault.code, fault.message)
        return None
