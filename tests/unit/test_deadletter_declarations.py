"""What operations relies on for dead letters is declared where it takes effect: the TTL policy on the
field the code sets, and a log-based metric that counts the line the code logs."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions

from shared.deadletters import COLLECTION, RECORDED_LOG_MESSAGE, TTL_FIELD

ROOT = Path(__file__).resolve().parents[2]


def test_firestore_deletes_dead_letters_by_their_expiry_field():
    overrides = json.loads((ROOT / "firestore.indexes.json").read_text())["fieldOverrides"]
    ttl = [o for o in overrides if o.get("ttl")]
    assert {"collectionGroup": COLLECTION, "fieldPath": TTL_FIELD, "indexes": [], "ttl": True} in ttl


def test_a_metric_counts_the_logged_dead_letters_and_an_alert_watches_it():
    options = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
    with (ROOT / "terraform/modules/rapport/monitoring.tf").open() as file:
        parsed = hcl2.load(file, serialization_options=options)
    declared = {kind: body for block in parsed["resource"] for kind, body in block.items()}
    metric = declared["google_logging_metric"]["dead_letters"]
    assert f'jsonPayload.message="{RECORDED_LOG_MESSAGE}"' in metric["filter"]
    alert = declared["google_monitoring_alert_policy"]["dead_letters"]
    assert "google_logging_metric.dead_letters.name" in str(alert["conditions"])
