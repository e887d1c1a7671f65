"""Where each local Google part lives, how to start it, and how to tell it is ready."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from devstack.processes import StackError, http_ok, tcp_open

REPO_ROOT = Path(__file__).resolve().parents[1]
GCLOUD_PLATFORM = Path("/usr/lib/google-cloud-sdk/platform")
FIRESTORE_EMULATOR = GCLOUD_PLATFORM / "cloud-firestore-emulator" / "cloud_firestore_emulator"
PUBSUB_EMULATOR = GCLOUD_PLATFORM / "pubsub-emulator" / "bin" / "cloud-pubsub-emulator"
TASKS_EMULATOR = REPO_ROOT / ".venv-tasks" / "bin" / "gcloud-tasks-emulator"
FIREBASE_CLI = REPO_ROOT / "web" / "node_modules" / ".bin" / "firebase"


@dataclass(frozen=True)
class Launch:
    """A command line and a readiness probe for one part of the stack."""

    name: str
    argv: list[str]
    probe_url: str | None = None
    probe_port: int | None = None

    def ready(self) -> bool:
        if self.probe_url is not None:
            return http_ok(self.probe_url)
        assert self.probe_port is not None
        return tcp_open("127.0.0.1", self.probe_port) or tcp_open("localhost", self.probe_port)


def _require(path: Path, what: str, install_hint: str) -> str:
    if not path.exists():
        raise StackError(f"{what} is missing ({path}). Install it: {install_hint}")
    return str(path)


def require_java() -> None:
    if shutil.which("java") is None:
        raise StackError("Java is missing; the Firestore and Pub/Sub emulators need it: apt-get install openjdk-17-jre")


def firestore(port: int, rules: Path) -> Launch:
    require_java()
    binary = _require(
        FIRESTORE_EMULATOR,
        "Google's Firestore emulator",
        "apt-get install google-cloud-cli-firestore-emulator",
    )
    argv = [binary, "start", "--host=127.0.0.1", f"--port={port}", f"--rules={rules}"]
    return Launch("firestore", argv, probe_url=f"http://127.0.0.1:{port}/")


def pubsub(port: int) -> Launch:
    require_java()
    binary = _require(
        PUBSUB_EMULATOR,
        "Google's Pub/Sub emulator",
        "apt-get install google-cloud-cli-pubsub-emulator",
    )
    return Launch("pubsub", [binary, "--host=127.0.0.1", f"--port={port}"], probe_url=f"http://127.0.0.1:{port}/")


def cloud_tasks(port: int, max_retries: int) -> Launch:
    binary = _require(TASKS_EMULATOR, "the Cloud Tasks emulator", "./rapport creates .venv-tasks on its first run")
    # It binds "localhost"; tasks carry absolute URLs, so its target host and port are unused.
    return Launch("cloud-tasks", [binary, "start", "-p", str(port), "-q", "-r", str(max_retries)], probe_port=port)


def firebase_auth(port: int, project_id: str, runtime_dir: Path, hub_port: int, logging_port: int) -> Launch:
    binary = _require(FIREBASE_CLI, "the Firebase CLI (firebase-tools)", "./rapport installs web/'s npm packages")
    config = runtime_dir / "firebase.emulators.json"
    config.write_text(
        json.dumps(
            {
                "emulators": {
                    "auth": {"host": "127.0.0.1", "port": port},
                    "hub": {"host": "127.0.0.1", "port": hub_port},
                    "logging": {"host": "127.0.0.1", "port": logging_port},
                    "ui": {"enabled": False},
                    "singleProjectMode": True,
                }
            }
        )
    )
    argv = [binary, "emulators:start", "--only", "auth", "--project", project_id, "--config", str(config)]
    return Launch("firebase-auth", argv, probe_url=f"http://127.0.0.1:{port}/")


def cloud_storage(port: int, data_dir: Path, bucket: str, notify_topic: str, notify_prefix: str) -> Launch:
    """gcp-storage-emulator (PyPI), with the ranged reads, CORS and notifications devstack/storage_emulator.py adds."""
    import sys

    argv = [sys.executable, "-m", "devstack.storage_emulator", "--port", str(port), "--data-dir", str(data_dir)]
    argv += ["--bucket", bucket, "--notify-topic", notify_topic, "--notify-prefix", notify_prefix]
    return Launch("cloud-storage", argv, probe_url=f"http://127.0.0.1:{port}/")
