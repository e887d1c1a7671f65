"""Push notifications as Google sends them: an empty POST to the channel's address with the
X-Goog-Channel-* and X-Goog-Resource-* headers, off the request thread by one worker, in order."""

from __future__ import annotations

import queue
import threading
import urllib.error
import urllib.request

from shared.log import get_logger

_TIMEOUT_SECONDS = 30.0
log = get_logger("calendar_server.push")


class WebhookPusher:
    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, dict[str, str]] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="calendar-push", daemon=True)
        self._worker.start()

    def __call__(self, address: str, headers: dict[str, str]) -> None:
        self._queue.put((address, headers))

    def flush(self) -> None:
        """Blocks until every queued notification was delivered or failed."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._worker.join(timeout=_TIMEOUT_SECONDS)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            address, headers = item
            try:
                request = urllib.request.Request(address, data=b"", headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as answer:
                    status = answer.status
                log.info("calendar notification delivered", extra={"address": address, "status": status})
            except urllib.error.HTTPError as error:
                # Google retries 5xx with backoff and drops the rest; the local server logs and moves on.
                log.warning("calendar notification refused", extra={"address": address, "status": error.code})
            except Exception:
                log.exception("calendar notification failed", extra={"address": address})
            finally:
                self._queue.task_done()
        self._queue.task_done()
