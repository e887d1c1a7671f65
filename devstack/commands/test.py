"""Run every check: lint, types, the web build, then unit, integration, end-to-end and browser tests."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from devstack import prerequisites
from devstack.stack import REPO_ROOT, WEB_DIR, web_build_is_current

PYTHON_CODE = ["shared", "functions", "devstack", "bench", "tests", "main.py"]
# Security checks of the whole deployment (the module through terraform/deployment's call of it). Offline:
# --skip-download keeps checkov from fetching policies or guidelines. Each skip is justified where it is made,
# as `# checkov:skip=ID:why` in the resource (terraform/README.md).
CHECKOV = [
    str(REPO_ROOT / ".venv-checkov/bin/checkov"),
    *("--directory", "terraform", "--framework", "terraform", "--skip-download", "--quiet", "--compact"),
]


# pytest workers (pytest-xdist) for a selection of whole tiers: each has its own stack, so one worker's
# waits (emulators, the pipeline, the browser) leave the other core to the other (docs/decisions/0041).
WORKERS = 2


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-lint", action="store_true", help="skip ruff and mypy")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"pytest processes (default {WORKERS} when whole tiers are selected, else 1; "
        "-n in the pytest arguments wins)",
    )
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest (e.g. -k sync tests/unit)")


def _step(title: str, argv: list[str], cwd: object = REPO_ROOT) -> bool:
    print(f"\n== {title}: {' '.join(argv)}", flush=True)
    started = time.monotonic()
    ok = subprocess.run(argv, cwd=cwd).returncode == 0  # type: ignore[call-overload]
    print(f"== {title}: {'ok' if ok else 'FAILED'} in {time.monotonic() - started:.1f} s", flush=True)
    return ok


Step = tuple[str, list[str], object]  # title, argv, working directory


def _quiet_step(title: str, argv: list[str], cwd: object) -> tuple[bool, str]:
    """A step whose output is kept and printed whole when it ends, so steps running side by side do not
    interleave their lines."""
    started = time.monotonic()
    result = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # type: ignore[call-overload]
    ok = result.returncode == 0
    report = f"\n== {title}: {' '.join(argv)}\n{result.stdout}"
    return ok, report + f"== {title}: {'ok' if ok else 'FAILED'} in {time.monotonic() - started:.1f} s"


def _in_order(steps: list[Step]) -> list[str]:
    """Runs `steps` one after another, printing each as it ends; returns the titles of those that failed."""
    failed = []
    for title, argv, cwd in steps:
        ok, report = _quiet_step(title, argv, cwd)
        print(report, flush=True)
        if not ok:
            failed.append(title)
    return failed


def _side_by_side(lanes: list[list[Step]]) -> list[str]:
    """Each lane's steps in order, the lanes at once: lint and types on one core while checkov and the web
    builds use the other, before pytest has the machine to itself. Returns the failed steps' titles."""
    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        return [title for failed in pool.map(_in_order, lanes) for title in failed]


def parallel_args(pytest_args: list[str], workers: int | None) -> list[str]:
    """xdist's arguments for `workers` processes, files kept whole on one worker (their module fixtures are
    made once). By default the whole suite or a tier runs on WORKERS processes, and a file or a test on one:
    a second worker would only start a second stack for it."""
    if any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in pytest_args):
        return []
    if workers is None:
        # The arguments naming files or directories (an option's value, "-k name", names neither).
        paths = [REPO_ROOT / arg.split("::")[0] for arg in pytest_args if not arg.startswith("-")]
        whole_tiers = all(path.is_dir() for path in paths if path.exists())  # none: pytest's testpaths, all of it
        workers = WORKERS if whole_tiers else 1
    return ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []


def run(args: argparse.Namespace) -> int:
    python = sys.executable
    pytest_args = args.pytest_args or ["tests"]
    # Before the minutes of lint and build: a missing browser or emulator stops the run here, named.
    if not prerequisites.ensure(pytest_args):
        return 2
    code: list[Step] = []
    web: list[Step] = [("web build", ["npm", "run", "--silent", "build"], WEB_DIR)]
    if not args.no_lint:
        code = [
            ("ruff", [python, "-m", "ruff", "check", *PYTHON_CODE], REPO_ROOT),
            ("ruff format", [python, "-m", "ruff", "format", "--check", *PYTHON_CODE], REPO_ROOT),
            ("mypy", [python, "-m", "mypy"], REPO_ROOT),
        ]
        web.insert(0, ("checkov", CHECKOV, REPO_ROOT))
    if "browser" in prerequisites.needs(pytest_args) and not web_build_is_current():
        # The stack's own build of the app (devstack/stack.py build_web), made here beside the other steps
        # rather than inside pytest, where the browser tests' first fixture would wait for it.
        web.append(("local web build", ["npm", "run", "--silent", "build:local"], WEB_DIR))
    failed = _side_by_side([lane for lane in (code, web) if lane])
    if not _step("pytest", [python, "-m", "pytest", *parallel_args(pytest_args, args.workers), *pytest_args]):
        failed.append("pytest")
    if failed:
        print(f"\nrapport test: FAILED: {', '.join(failed)}", flush=True)
        return 1
    print("\nrapport test: all checks passed", flush=True)
    return 0
