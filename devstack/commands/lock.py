"""Lock the Python requirements: each requirements*.in becomes its requirements*.txt, every package pinned
with its hashes (uv pip compile). Versions already in a lock are kept; `--upgrade` lifts them.

requirements.in is what the deployed code imports (Cloud Functions installs requirements.txt);
requirements-dev.in adds the tools, locked with the runtime's versions; the Cloud Tasks emulator and
checkov have their own virtualenvs and locks. To add a package: name it in the right .in file, run
`./rapport lock`, commit both files. Needs PyPI (for hashes); installing from the locks does not.
"""

from __future__ import annotations

import argparse
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
]


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
    return [*command, "--upgrade"] if upgrade else command


def run(args: argparse.Namespace) -> int:
    for source, lock, constraints in LOCKS:
        print(f"rapport lock: {source} -> {lock}", file=sys.stderr, flush=True)
        if subprocess.run(compile_command(source, lock, constraints, upgrade=args.upgrade), cwd=REPO_ROOT).returncode:
            return 1
    return 0
