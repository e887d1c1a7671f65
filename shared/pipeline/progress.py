"""Sync progress counters that many ingestion workers bump at once.

A Firestore document takes about one sustained write a second, and transactions on it wait for
each other's locks; a counter every ingestion commit touched would become the bottleneck. So
counts go to one of SHARDS small documents, picked by the batch, and readers add them up.
"""

from __future__ import annotations

import zlib
from typing import Any

from google.cloud import firestore

SHARDS = 16
COUNTERS = ("stored", "duplicates")


def _shard(key: str) -> str:
    return str(zlib.crc32(key.encode()) % SHARDS)


def mailbox_shard(db: firestore.Client, workspace_id: str, *, mailbox_id: str, key: str) -> firestore.DocumentReference:
    return db.document("workspaces", workspace_id, "mailboxes", mailbox_id, "progress", _shard(key))


def run_shard(db: firestore.Client, workspace_id: str, *, run_id: str, key: str) -> firestore.DocumentReference:
    return db.document("workspaces", workspace_id, "syncRuns", run_id, "progress", _shard(key))


def add(batch: Any, shard: firestore.DocumentReference, **counts: int) -> None:
    """Adds to a shard inside `batch` (a WriteBatch or Transaction)."""
    batch.set(shard, {name: firestore.Increment(n) for name, n in counts.items() if n}, merge=True)


def totals(shards: firestore.CollectionReference) -> dict[str, int]:
    summed = dict.fromkeys(COUNTERS, 0)
    for shard in shards.stream():
        for name in COUNTERS:
            summed[name] += int((shard.to_dict() or {}).get(name, 0))
    return summed
