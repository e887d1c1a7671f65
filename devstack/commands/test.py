"""Run every check: lint, types, the web build, then unit, integration, end-to-end and browser tests."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from devstack import prerequisites
from devstack.stack import REPO_ROOT, WEB_DIR

PYTHON_CODE = ["shared", "functions", "devstack", "bench", "tests", "main.py"]
# Security checks of the whole deployment (the module through terraform/deployment's call of it). Offline:
# --skip-download keeps checkov from fetching policies or guidelines. Each skip is justified where it is made,
# as `# checkov:skip=ID:why` in the resource (terraform/README.md).
CHECKOV = [
    str(REPO_ROOT / ".venv-checkov/bin/checkov"),
    *("--directory", "terraform", "--framework", "terraform", "--skip-download", "--quiet", "--compact"),
]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-lint", action="store_true", help="skip ruff and mypy")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest (e.g. -k sync tests/unit)")


def _step(title: str, argv: list[str], cwd: object = REPO_ROOT) -> bool:
    print(f"\n== {title}: {' '.join(argv)}", flush=True)
    started = time.monotonic()
    ok = subprocess.run(argv, cwd=cwd).returncode == 0  # type: ignore[call-overload]
    print(f"== {title}: {'ok' if ok else 'FAILED'} in {time.monotonic() - started:.1f} s", flush=True)
    return ok


def run(args: argparse.Namespace) -> int:
    python = sys.executable
    pytest_args = args.pytest_args or ["tests"]
    # Before the minutes of lint and build: a missing browser or emulator stops the run here, named.
    if not prerequisites.ensure(pytest_args):
        return 2
    failed: list[str] = []
    if not args.no_lint:
        checks = [
            ("ruff", [python, "-m", "ruff", "check", *PYTHON_CODE]),
            ("ruff format", [python, "-m", "ruff", "format", "--check", *PYTHON_CODE]),
            ("mypy", [python, "-m", "mypy"]),
            ("checkov", CHECKOV),
        ]
        failed += [title for title, argv in checks if not _step(title, argv)]
    if not _step("web build", ["npm", "run", "--silent", "build"], cwd=WEB_DIR):
        failed.append("web build")
    if not _step("pytest", [python, "-m", "pytest", *pytest_args]):
        failed.append("pytest")
    if failed:
        print(f"\nrapport test: FAILED: {', '.join(failed)}", flush=True)
        return 1
    print("\nrapport test: all checks passed", flush=True)
    return 0
