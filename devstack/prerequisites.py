"""What the machine must have before `./rapport test` starts, checked in a second rather than discovered as a
cascade of failures minutes into the run: Debian's chromium (browser tests), Java and Google's emulators.

Debian packages are installed when that can be done without asking (root, or sudo without a password);
otherwise, and for Google's packages (they come from Google's own apt repository), the run stops at once
naming the exact command to type.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from devstack.browser import CHROMIUM
from devstack.emulators import FIRESTORE_EMULATOR, PUBSUB_EMULATOR


@dataclass(frozen=True)
class Prerequisite:
    what: str
    apt_package: str
    # Debian's own archive serves it, so it can be installed here; Google's packages need Google's repository.
    from_debian: bool
    present: Callable[[], bool]
    # The tests that need it: "browser" for tests/browser only, "stack" for everything that starts emulators.
    needed_by: str


PREREQUISITES = (
    Prerequisite(
        "Debian's chromium (the browser tests drive it)",
        "chromium",
        True,
        lambda: os.path.exists(CHROMIUM) and shutil.which("chromium") is not None,
        "browser",
    ),
    Prerequisite(
        "Java (the emulators run on it)", "openjdk-17-jre-headless", True, lambda: bool(shutil.which("java")), "stack"
    ),
    Prerequisite(
        "Google's Firestore emulator",
        "google-cloud-cli-firestore-emulator",
        False,
        FIRESTORE_EMULATOR.exists,
        "stack",
    ),
    Prerequisite(
        "Google's Pub/Sub emulator",
        "google-cloud-cli-pubsub-emulator",
        False,
        PUBSUB_EMULATOR.exists,
        "stack",
    ),
)

# Test folders that start no emulator and open no browser.
_STACKLESS = ("tests/unit",)


def needs(pytest_args: Sequence[str]) -> set[str]:
    """Which kinds of prerequisite a pytest selection needs: {"browser", "stack"}, a subset, or nothing.
    Paths decide; without one (options only, such as `-k sync`) pytest runs everything under tests/."""
    paths = [arg.split("::")[0].rstrip("/") for arg in pytest_args if arg.startswith("tests")] or ["tests"]
    kinds: set[str] = set()
    for path in paths:
        if path == "tests" or path.startswith("tests/browser"):
            kinds |= {"browser", "stack"}
        elif not path.startswith(_STACKLESS):
            kinds.add("stack")
    return kinds


def missing(kinds: set[str], prerequisites: Sequence[Prerequisite] = PREREQUISITES) -> list[Prerequisite]:
    return [item for item in prerequisites if item.needed_by in kinds and not item.present()]


def install_argv(packages: Sequence[str], *, is_root: bool, passwordless_sudo: bool) -> list[list[str]] | None:
    """The commands that install Debian packages here without a prompt, or None when that cannot be done."""
    if not packages or shutil.which("apt-get") is None:
        return None
    prefix = [] if is_root else ["sudo", "-n"] if passwordless_sudo else None
    if prefix is None:
        return None
    return [[*prefix, "apt-get", "update", "-qq"], [*prefix, "apt-get", "install", "-y", "-qq", *packages]]


def command_to_type(items: Sequence[Prerequisite], *, is_root: bool) -> str:
    packages = " ".join(item.apt_package for item in items)
    return f"{'' if is_root else 'sudo '}apt-get install {packages}"


def _passwordless_sudo() -> bool:
    if shutil.which("sudo") is None:
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0


def ensure(
    pytest_args: Sequence[str],
    *,
    prerequisites: Sequence[Prerequisite] = PREREQUISITES,
    run: Callable[[list[str]], int] = lambda argv: subprocess.run(argv).returncode,
    is_root: bool | None = None,
    passwordless_sudo: Callable[[], bool] = _passwordless_sudo,
    report: Callable[[str], None] = print,
) -> bool:
    """Installs the missing Debian packages the selection needs, if that needs no password; returns False
    (after saying exactly what to type) when something is still missing."""
    absent = missing(needs(pytest_args), prerequisites)
    if not absent:
        return True
    root = os.geteuid() == 0 if is_root is None else is_root
    debian = [item for item in absent if item.from_debian]
    commands = install_argv(
        [item.apt_package for item in debian], is_root=root, passwordless_sudo=bool(debian) and passwordless_sudo()
    )
    if commands is not None:
        report(f"rapport test: installing {', '.join(item.apt_package for item in debian)} ...")
        for argv in commands:
            if run(argv) != 0:
                break
        absent = [item for item in absent if not item.present()]
    if not absent:
        return True
    lines = [f"rapport test: cannot start, this machine lacks {', '.join(item.what for item in absent)}."]
    lines.append(f"Install it with:\n    {command_to_type(absent, is_root=root)}")
    if any(not item.from_debian for item in absent):
        lines.append(
            "(google-cloud-cli-* packages come from Google's apt repository: https://cloud.google.com/sdk/docs/install#deb)"
        )
    report("\n".join(lines))
    return False
