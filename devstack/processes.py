"""Child processes of the local stack: each in its own process group, stopped as a group.

The emulators' Java children outlive a killed wrapper script, so stopping a child means
signalling its whole group, then waiting, then SIGKILL for anything that lingers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class StackError(RuntimeError):
    """The local stack could not start or lost a part; the message says what to do."""


_HANDED_OUT: set[int] = set()
_HANDED_OUT_LOCK = threading.Lock()


def free_port() -> int:
    """A port free now and never handed out before by this process.

    The port is released before its server binds it, so the kernel may offer it again meanwhile: two
    parts of one stack once got the same port (the Cloud Tasks emulator's, answered by an HTTP/1 server).
    """
    with _HANDED_OUT_LOCK:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in _HANDED_OUT:
                _HANDED_OUT.add(port)
                return port


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def tcp_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    argv: list[str]
    env: dict[str, str]
    cwd: Path | None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class ProcessSupervisor:
    """Starts children, waits until each is ready, and stops all of them, whatever happens."""

    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        ready: Callable[[], bool],
        timeout: float = 60.0,
        cwd: Path | None = None,
    ) -> Child:
        child = self.spawn(name, argv, env=env, cwd=cwd)
        self.wait_ready(child, ready, timeout=timeout)
        return child

    def spawn(self, name: str, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        # Ctrl-C between the fork and the bookkeeping would leave a child nobody stops: hold it until after.
        with log_path.open("wb") as log, signals_deferred():
            process = subprocess.Popen(
                list(argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,  # its own process group, so stop_all() reaches grandchildren too
            )
            child = Child(name, process, log_path, list(argv), dict(env), cwd)
            self.children.append(child)
        return child

    def wait_ready(self, child: Child, ready: Callable[[], bool], *, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if child.process.poll() is not None:
                raise StackError(
                    f"{child.name} exited with code {child.process.returncode} while starting:\n{child.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"{child.name} was not ready after {timeout:.0f} s (log: {child.log_path}):\n{child.log_tail()}"
                )
            time.sleep(0.05)

    def crashed(self) -> Child | None:
        return next((child for child in self.children if child.process.poll() is not None), None)

    def stop_all(self, grace: float = 5.0) -> None:
        for child in reversed(self.children):
            _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in reversed(self.children):
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            # The group may hold children that ignored SIGTERM even when the leader is gone.
            _signal_group(child.process, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=2)
        self.children.clear()


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM that arrive inside the block are handled when it ends, not in the middle."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    interrupts = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in interrupts}
    pending: list[int] = []
    for sig in interrupts:
        signal.signal(sig, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if pending:
            signal.raise_signal(pending[0])  # now handled as if it had just arrived


def interrupt_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, through every `with LocalStack(...)`, so no child is left behind.
    Ctrl-C is (re)armed too: a process started in the background by a shell inherits SIGINT ignored."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
