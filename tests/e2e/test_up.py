"""`./rapport up`: the smoke path end to end, a second instance, and Ctrl-C during start-up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack.stack import REPO_ROOT

pytestmark = pytest.mark.e2e


def _up(runtime_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "RAPPORT_RUNTIME_DIR": str(runtime_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "devstack.cli", "up", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _processes_of(runtime_dir: Path) -> list[int]:
    """Every live process of that `up`: each inherits RAPPORT_RUNTIME_DIR, Java grandchildren included."""
    marker = f"RAPPORT_RUNTIME_DIR={runtime_dir}\0".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_smoke_ingests_the_demo_mailbox_and_leaves_nothing_running(tmp_path):
    up = _up(tmp_path, "--smoke")
    stdout, stderr = up.communicate(timeout=600)
    assert up.returncode == 0, stderr[-3000:]
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert set(summary) >= {"messages", "contacts", "companies", "seconds"}
    # The generated mailbox holds 1,600 messages, of which spam, trash and the skipped Gmail
    # categories stay out; its 140 correspondents work at 30 companies.
    assert 1000 < summary["messages"] < 1600
    assert summary["contacts"] >= 140
    assert summary["companies"] >= 30
    assert summary["meetings"] >= 5  # the demo calendar, synced through the local Calendar server
    assert not _processes_of(tmp_path)


def test_a_second_up_says_one_is_running_and_exits(tmp_path):
    first = _up(tmp_path, "--smoke")
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "up.lock").exists() or not (tmp_path / "up.lock").read_text():
            assert time.monotonic() < deadline, "the first up never took its lock"
            time.sleep(0.1)
        second = _up(tmp_path, "--smoke")
        _, stderr = second.communicate(timeout=60)
        assert second.returncode == 1
        assert "already running" in stderr
    finally:
        os.killpg(first.pid, signal.SIGINT)
        first.communicate(timeout=60)


def test_ctrl_c_during_start_up_stops_every_process(tmp_path):
    up = _up(tmp_path, "--smoke", "--messages", "20")  # interrupted before any mail is read: keep it small
    deadline = time.monotonic() + 60
    while not (tmp_path / "up" / "logs" / "firestore.log").exists():
        assert time.monotonic() < deadline, "the emulators never started"
        time.sleep(0.05)
    assert len(_processes_of(tmp_path)) > 1
    os.killpg(up.pid, signal.SIGINT)
    _, stderr = up.communicate(timeout=60)
    assert up.returncode == 130, stderr[-2000:]
    assert "stopped" in stderr
    assert not _processes_of(tmp_path)


def _pid_of(runtime_dir: Path, command_part: bytes) -> int | None:
    for pid in _processes_of(runtime_dir):
        try:
            if command_part in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    return None


def _stderr_until(up: subprocess.Popen[str], words: str) -> str:
    """What `up` says on stderr up to and including the line holding `words` (it fails if up ends first)."""
    assert up.stderr is not None
    said = []
    while words not in (line := up.stderr.readline()):
        assert line, f"up ended before saying {words!r}:\n{''.join(said)[-3000:]}"
        said.append(line)
    return "".join([*said, line])


def test_a_crashed_part_stops_up_with_a_message_and_nothing_left(tmp_path):
    # Killed as soon as the ingest starts: 800 messages keep the stack busy for seconds after that.
    up = _up(tmp_path, "--smoke", "--messages", "800")
    said = _stderr_until(up, "ingesting the demo mailbox")
    gmail = _pid_of(tmp_path, b"devstack.gmail_server")
    assert gmail is not None, "the local Gmail server is not running"
    os.kill(gmail, signal.SIGKILL)
    _, stderr = up.communicate(timeout=120)
    stderr = said + stderr
    assert up.returncode == 1
    assert "gmail" in stderr
    assert "exited" in stderr
    assert not _processes_of(tmp_path)


def test_import_mbox_feeds_a_takeout_file_to_the_running_stack(tmp_path):
    from devstack.demo_mailbox import generate

    takeout = tmp_path / "takeout.mbox"
    generate(owner="sam.lee@lumenway.io", messages=150, seed=3).write_mbox(takeout)
    up = _up(tmp_path, "--messages", "100")
    try:
        deadline = time.monotonic() + 300
        while not (tmp_path / "up" / "stack.json").exists():
            assert up.poll() is None, up.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "up never became ready"
            time.sleep(0.2)
        imported = subprocess.run(
            [sys.executable, "-m", "devstack.cli", "import-mbox", str(takeout)],
            cwd=REPO_ROOT,
            env={**os.environ, "RAPPORT_RUNTIME_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert imported.returncode == 0, imported.stderr[-3000:]
        summary = json.loads(imported.stdout.strip().splitlines()[-1])
        assert summary["owner"] == "sam.lee@lumenway.io"
        assert summary["messages"] == 150
        assert summary["imported"] + summary["skipped"] == 150
        assert "stored" in imported.stderr  # the terminal progress bar
    finally:
        os.killpg(up.pid, signal.SIGINT)
        up.communicate(timeout=60)
    assert not _processes_of(tmp_path)


def test_import_mbox_without_a_running_stack_says_how_to_start_one(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "devstack.cli", "import-mbox", str(tmp_path / "x.mbox")],
        cwd=REPO_ROOT,
        env={**os.environ, "RAPPORT_RUNTIME_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "./rapport up" in result.stderr
