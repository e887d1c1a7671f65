"""An uploaded Takeout mbox (Cloud Storage's OBJECT_FINALIZE notification on topic takeout-uploads) → its mail
through the pipeline, message by message, resumable and idempotent (shared/takeout/imports.py)."""

from __future__ import annotations

from functions._lib.handlers import pubsub_handler
from shared.takeout.imports import TakeoutImports, UploadedObject, decode_notification


@pubsub_handler(decode_notification, describes="Cloud Storage notification")
def import_takeout(uploaded: UploadedObject) -> None:
    TakeoutImports().run(uploaded)
