"""`./rapport test` checks its prerequisites first: it installs the Debian packages it can, and otherwise
stops at once naming the exact command, before any lint, build or test runs."""

from __future__ import annotations

import argparse

import pytest

from devstack import prerequisites
from devstack.commands import test as test_command
from devstack.prerequisites import Prerequisite, ensure, needs


@pytest.mark.parametrize(
    ("pytest_args", "kinds"),
    [
        ([], {"browser", "stack"}),
        (["tests"], {"browser", "stack"}),
        (["-k", "sync"], {"browser", "stack"}),
        (["tests/unit/test_routes.py", "-q"], set()),
        (["tests/unit"], set()),
        (["tests/integration/test_api.py::test_x"], {"stack"}),
        (["tests/browser/test_quality.py"], {"browser", "stack"}),
        (["tests/unit", "tests/browser/"], {"browser", "stack"}),
    ],
)
def test_the_selection_decides_what_is_needed(pytest_args, kinds):
    assert needs(pytest_args) == kinds


class Machine:
    """A machine where installing a package makes it present, as apt-get would."""

    def __init__(self, installed: set[str], *, apt_works: bool = True) -> None:
        self.installed = installed
        self.apt_works = apt_works
        self.commands: list[list[str]] = []
        self.said: list[str] = []

    def item(self, package: str, *, from_debian: bool = True, needed_by: str = "browser") -> Prerequisite:
        return Prerequisite(package, package, from_debian, lambda: package in self.installed, needed_by)

    def run(self, argv: list[str]) -> int:
        self.commands.append(argv)
        if "install" in argv and self.apt_works:
            self.installed.update(arg for arg in argv[argv.index("install") + 1 :] if not arg.startswith("-"))
        return 0 if self.apt_works else 100


def _ensure(machine: Machine, items, *, is_root: bool, sudo: bool = False, args=("tests",)) -> bool:
    return ensure(
        list(args),
        prerequisites=items,
        run=machine.run,
        is_root=is_root,
        passwordless_sudo=lambda: sudo,
        report=machine.said.append,
    )


def test_as_root_the_missing_chromium_is_installed_and_the_run_goes_on(monkeypatch):
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: f"/usr/bin/{name}")
    machine = Machine(set())
    assert _ensure(machine, [machine.item("chromium")], is_root=True)
    assert machine.commands == [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]]
    assert "chromium" in machine.installed


def test_with_passwordless_sudo_it_installs_through_sudo(monkeypatch):
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: f"/usr/bin/{name}")
    machine = Machine(set())
    assert _ensure(machine, [machine.item("chromium")], is_root=False, sudo=True)
    assert machine.commands[-1] == ["sudo", "-n", "apt-get", "install", "-y", "-qq", "chromium"]


def test_without_root_it_stops_at_once_naming_the_command(monkeypatch):
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: f"/usr/bin/{name}")
    machine = Machine(set())
    assert not _ensure(machine, [machine.item("chromium")], is_root=False, sudo=False)
    assert machine.commands == []
    assert "sudo apt-get install chromium" in machine.said[-1]


def test_a_failed_install_stops_the_run_naming_the_command(monkeypatch):
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: f"/usr/bin/{name}")
    machine = Machine(set(), apt_works=False)
    assert not _ensure(machine, [machine.item("chromium")], is_root=True)
    assert "apt-get install chromium" in machine.said[-1]


def test_googles_emulators_are_named_not_installed(monkeypatch):
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: f"/usr/bin/{name}")
    machine = Machine({"chromium"})
    emulator = machine.item("google-cloud-cli-firestore-emulator", from_debian=False, needed_by="stack")
    assert not _ensure(machine, [machine.item("chromium"), emulator], is_root=True)
    assert machine.commands == []
    assert "apt-get install google-cloud-cli-firestore-emulator" in machine.said[-1]
    assert "Google's apt repository" in machine.said[-1]


def test_unit_tests_need_neither_a_browser_nor_the_emulators(monkeypatch):
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: f"/usr/bin/{name}")
    machine = Machine(set())
    items = [machine.item("chromium"), machine.item("openjdk-17-jre-headless", needed_by="stack")]
    assert _ensure(machine, items, is_root=False, args=["tests/unit"])
    assert machine.commands == []
    assert machine.said == []


def test_rapport_test_stops_before_lint_when_something_is_missing(monkeypatch):
    steps: list[str] = []
    monkeypatch.setattr(test_command.prerequisites, "ensure", lambda pytest_args: False)
    monkeypatch.setattr(test_command, "_step", lambda title, argv, cwd=None: steps.append(title) or True)
    assert test_command.run(argparse.Namespace(no_lint=False, pytest_args=[])) == 2
    assert steps == []
