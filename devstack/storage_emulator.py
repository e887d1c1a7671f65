"""The local stand-in for Cloud Storage: `gcp-storage-emulator` (PyPI), which the real google-cloud-storage
client talks to through STORAGE_EMULATOR_HOST, with the four things it lacks and the product relies on:

- ranged reads served from disk (it reads the whole object for every range, which makes streaming a large
  mbox quadratic), and resumable chunks appended on disk (it rewrites the whole upload per chunk);
- CORS, as a bucket's CORS configuration gives it in production, so the browser can PUT to a session URL;
- Cloud Storage's notification: each finalised object under the watched prefix is published to a Pub/Sub
  topic as OBJECT_FINALIZE with the object resource as data (JSON_API_V1), as
  `google_storage_notification` does in production.

    python -m devstack.storage_emulator --port P --data-dir DIR --bucket B [--notify-topic projects/p/topics/t]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import threading
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

from gcp_storage_emulator import server
from gcp_storage_emulator.exceptions import BadRequest, NotFound
from gcp_storage_emulator.handlers import objects
from gcp_storage_emulator.storage import RESUMABLE_DIR, Storage

_RANGE = re.compile(r"^\s*bytes=(?P<start>[0-9]+)-(?P<end>[0-9]*)$")
_CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, PUT, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Content-Range, X-Upload-Content-Type, X-Upload-Content-Length",
    "Access-Control-Expose-Headers": "Range, Location, Content-Range",
    "Access-Control-Max-Age": "3600",
}
_notify: dict[str, Any] = {}


def _disk_path(storage: Storage, bucket: str, name: str) -> Path:
    return storage._store._disk_path(storage._object_path(bucket, name))


def _ranged_download(request: Any, response: Any, storage: Storage, *args: Any, **kwargs: Any) -> None:
    header = request.get_header("range", None)
    match = _RANGE.fullmatch(header) if header else None
    if match is None:
        _original_download(request, response, storage, *args, **kwargs)
        return
    bucket, name = request.params["bucket_name"], request.params["object_id"]
    try:
        obj = storage.get_file_obj(bucket, name)
    except NotFound:
        response.status = HTTPStatus.NOT_FOUND
        return
    path = _disk_path(storage, bucket, name)
    size = path.stat().st_size
    start = int(match["start"])
    end = min(size, int(match["end"]) + 1) if match["end"] else size
    with path.open("rb") as file:
        file.seek(start)
        content = file.read(max(0, end - start))
    response["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    response.status = HTTPStatus.PARTIAL_CONTENT
    response.write_file(content, content_type=obj.get("contentType"))


def _append_chunk(
    self: Storage, file_id: str, content: bytes, total_size: int | None = None, expected_start: int | None = None
) -> bytes | None:
    path = self._store._disk_path(self._object_path(RESUMABLE_DIR, self.safe_id(file_id)))
    path.parent.mkdir(parents=True, exist_ok=True)
    received = path.stat().st_size if path.exists() else 0
    if expected_start is not None and expected_start != received:
        raise BadRequest(f"Invalid Content-Range start: expected {received}, got {expected_start}")
    with path.open("ab") as file:
        file.write(content or b"")
    size = received + len(content or b"")
    if total_size is None or size < total_size:
        return None
    return path.read_bytes()[:total_size]


def _received(self: Storage, file_id: str) -> int:
    path = self._store._disk_path(self._object_path(RESUMABLE_DIR, self.safe_id(file_id)))
    return path.stat().st_size if path.exists() else 0


def _create_file_and_notify(
    self: Storage, bucket_name: str, file_name: str, content: bytes, file_obj: dict[str, Any], file_id: Any = None
) -> None:
    _original_create_file(self, bucket_name, file_name, content, file_obj, file_id)
    topic = _notify.get("topic")
    if topic and file_name.startswith(_notify.get("prefix", "")):
        # After the upload's answer went out, as Cloud Storage notifies asynchronously.
        threading.Thread(target=_publish_finalize, args=(topic, dict(file_obj)), daemon=True).start()


def _publish_finalize(topic: str, obj: dict[str, Any]) -> None:
    from google.cloud.pubsub_v1 import PublisherClient

    time.sleep(0.2)
    attributes = {
        "eventType": "OBJECT_FINALIZE",
        "payloadFormat": "JSON_API_V1",
        "bucketId": str(obj.get("bucket")),
        "objectId": str(obj.get("name")),
    }
    PublisherClient().publish(topic, json.dumps(obj).encode(), **attributes).result(timeout=60)


class _CorsHandler(server.RequestHandler):
    def end_headers(self) -> None:
        for name, value in _CORS_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Content-Length", "0")
        self.end_headers()


_original_download = objects.download
_original_create_file = Storage.create_file


def _patch() -> None:
    Storage.add_to_resumable_upload = _append_chunk
    Storage.get_resumable_byte_count = _received
    Storage.create_file = _create_file_and_notify
    server.RequestHandler = _CorsHandler
    server.HANDLERS = tuple(
        (pattern, {method: _ranged_download if h is _original_download else h for method, h in handlers.items()})
        for pattern, handlers in server.HANDLERS
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--notify-topic", help="projects/P/topics/T to publish OBJECT_FINALIZE to")
    parser.add_argument("--notify-prefix", default="", help="only objects whose name starts with this")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    _notify.update(topic=args.notify_topic, prefix=args.notify_prefix)
    _patch()
    emulator = server.create_server("127.0.0.1", args.port, in_memory=False, data_dir=str(args.data_dir))
    emulator.start()
    # The bucket, once: the emulator keeps it in its data directory across restarts.
    storage = emulator._storage
    if args.bucket not in storage.buckets:
        from gcp_storage_emulator.handlers import buckets

        buckets.create_bucket(args.bucket, storage)
    print(f"storage emulator listening on 127.0.0.1:{args.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
