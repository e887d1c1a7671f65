import os
import signal
import sys
import time

import pytest

from devstack.processes import ProcessSupervisor, StackError, free_port, signals_deferred

# A child that starts a grandchild in its group and ignores SIGTERM, like the emulators' wrappers.
STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(grandchild.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_stop_all_ends_the_whole_process_group(tmp_path):
    supervisor = ProcessSupervisor(tmp_path)
    child = supervisor.start(
        "stubborn",
        [sys.executable, "-c", STUBBORN],
        env=dict(os.environ),
        ready=lambda: (tmp_path / "stubborn.log").read_text().strip() != "",
    )
    grandchild = int((tmp_path / "stubborn.log").read_text().split()[0])
    assert _alive(grandchild)
    supervisor.stop_all(grace=0.5)
    assert child.process.poll() is not None
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:  # SIGKILL lands asynchronously
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_child_that_dies_while_starting_is_reported_with_its_log(tmp_path):
    supervisor = ProcessSupervisor(tmp_path)
    with pytest.raises(StackError, match=r"(?s)exited with code 3.*port in use"):
        supervisor.start(
            "broken",
            [sys.executable, "-c", "print('port in use'); raise SystemExit(3)"],
            env=dict(os.environ),
            ready=lambda: False,
        )
    supervisor.stop_all()


def test_crashed_names_a_child_that_exited(tmp_path):
    supervisor = ProcessSupervisor(tmp_path)
    child = supervisor.spawn("short", [sys.executable, "-c", "pass"], env=dict(os.environ))
    child.process.wait()
    assert supervisor.crashed() is child
    supervisor.stop_all()


def test_free_ports_are_distinct_and_bindable():
    ports = {free_port() for _ in range(5)}
    assert len(ports) == 5


def _interrupt_inside_deferred_block(progress: list[str]) -> None:
    with signals_deferred():
        signal.raise_signal(signal.SIGINT)
        progress.append("end of block")


def test_an_interrupt_inside_the_deferred_block_lands_after_it():
    progress: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        _interrupt_inside_deferred_block(progress)
    assert progress == ["end of block"]


def test_free_port_never_hands_out_a_port_twice(monkeypatch):
    """The kernel may offer a just-released port again; the stack must still give each part its own."""
    from devstack import processes

    offered = iter([47001, 47001, 47002, 47001, 47003])

    class KernelSocket:
        def __init__(self, *args: object) -> None:
            self.port = next(offered)

        def __enter__(self) -> "KernelSocket":
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def bind(self, address: object) -> None:
            return None

        def getsockname(self) -> tuple[str, int]:
            return ("127.0.0.1", self.port)

    monkeypatch.setattr(processes.socket, "socket", KernelSocket)
    monkeypatch.setattr(processes, "_HANDED_OUT", set())
    assert [processes.free_port() for _ in range(3)] == [47001, 47002, 47003]
