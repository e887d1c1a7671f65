"""The arithmetic every strength shares (decisions 5 and 27): exponential decay and the squash to 0-100."""

from __future__ import annotations

import math

DAY_MS = 86_400_000


def squash(raw: float, scale: float) -> float:
    """Raw strength (unbounded) to 0-100: each further unit of raw adds less."""
    return round(100.0 * (1.0 - math.exp(-max(raw, 0.0) / scale)), 1)


def decay_factor(elapsed_ms: float, half_life_days: float) -> float:
    return float(0.5 ** (max(elapsed_ms, 0.0) / (half_life_days * DAY_MS)))
