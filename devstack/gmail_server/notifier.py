"""Watch notifications, published off the request thread by one worker so their order is kept."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable
from typing import Any

from shared.log import get_logger

# Publishes `data` to a full topic path and returns once the message is accepted; raises on failure.
PublishFn = Callable[[str, bytes], None]

_PUBLISH_TIMEOUT_SECONDS = 30.0
log = get_logger("gmail_server.notifier")


def pubsub_publisher() -> PublishFn:
    """Publish through google-cloud-pubsub; PUBSUB_EMULATOR_HOST routes it to the emulator."""
    client: Any = None
    lock = threading.Lock()

    def publish(topic: str, data: bytes) -> None:
        nonlocal client
        with lock:
            if client is None:
                from google.cloud.pubsub_v1 import PublisherClient

                client = PublisherClient()
        client.publish(topic, data).result(timeout=_PUBLISH_TIMEOUT_SECONDS)

    return publish


class Notifier:
    def __init__(self, publish: PublishFn) -> None:
        self._publish = publish
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="gmail-watch-notifier", daemon=True)
        self._worker.start()

    def notify(self, topic: str, email_address: str, history_id: int) -> None:
        data = json.dumps({"emailAddress": email_address, "historyId": history_id}).encode("utf-8")
        self._queue.put((topic, data))

    def flush(self) -> None:
        """Block until every queued notification was published or failed."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._worker.join(timeout=_PUBLISH_TIMEOUT_SECONDS)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            topic, data = item
            try:
                self._publish(topic, data)
                log.info("watch notification published", extra={"topic": topic, "data": data.decode()})
            except Exception:
                log.exception("watch notification failed", extra={"topic": topic, "data": data.decode()})
            finally:
                self._queue.task_done()
        self._queue.task_done()
