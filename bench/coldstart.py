"""`./rapport bench coldstart`: how long a fresh instance of each function takes to answer.

Per function of shared/resources.json, a new process starts functions-framework on the repository's
main.py with that function as its target (as Cloud Functions starts an instance), and the time runs
from the process's start until the first request it answers. The unavoidable base is measured the same
way in the same run: a function of one line in a source that imports only what every function needs
(functions-framework, google-cloud-firestore, firebase-admin's auth) and makes one pydantic model, as
every function does for its settings. The checkout's sources are compiled to bytecode first, as the
installed packages the base imports are. Instances start one after another, never two at once, so they
do not share the machine's cores with each other.

The requests carry no credentials: an HTTP function answers 401 and a Pub/Sub (CloudEvent) one 400
before doing any work, so no emulator or network is involved; the figure is the cost of starting.

Last line: `functions` (name -> start_ms, the median of `--repeat` starts), `base_start_ms`,
`median_start_ms`, `median_ratio_to_base` and `max_ratio_to_base`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench._env import say
from shared.resources import Function

REPO_ROOT = Path(__file__).resolve().parents[1]
SIGNATURE_TYPES = {"pubsub": "cloudevent", "http": "http"}
BASE_SOURCE = '''"""What every Rapport function imports before any of its own code: the cold-start floor."""
import functions_framework
from firebase_admin import auth
from google.cloud import firestore
from pydantic import BaseModel


class Settings(BaseModel):  # every function validates its settings with a pydantic model
    project_id: str = "rapport"


@functions_framework.http
def base(request):
    return "ok"
'''
# Settings as a deployment gives them (terraform/modules/rapport/locals.tf); nothing here is ever called.
DEPLOYED_ENVIRONMENT = {
    "RAPPORT_PROJECT_ID": "rapport-bench",
    "RAPPORT_REGION": "europe-west1",
    "RAPPORT_FUNCTIONS_BASE_URL": "https://europe-west1-rapport-bench.cloudfunctions.net",
    "RAPPORT_OAUTH_CLIENT_ID": "bench.apps.googleusercontent.com",
    "RAPPORT_OAUTH_REDIRECT_URI": "https://rapport-bench.web.app/api/oauth-callback",
    "RAPPORT_WEB_APP_URL": "https://rapport-bench.web.app",
    "RAPPORT_KMS_KEY_NAME": "projects/rapport-bench/locations/europe-west1/keyRings/rapport/cryptoKeys/tokens",
}
START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment() -> dict[str, str]:
    # Emulator hosts and local settings of the calling shell would make this another process than a deployed one.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RAPPORT_") and not key.endswith("_EMULATOR_HOST")
    }
    return {**inherited, **DEPLOYED_ENVIRONMENT, "PYTHONDONTWRITEBYTECODE": "1"}


def start_ms(source: Path, target: str, signature_type: str, repo: Path = REPO_ROOT) -> float:
    """Milliseconds from starting a functions-framework process serving `target` to its first answer."""
    port = _free_port()
    command = [sys.executable, "-m", "functions_framework", f"--source={source}", f"--target={target}"]
    command += [f"--signature-type={signature_type}", "--host=127.0.0.1", f"--port={port}"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=repo, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.perf_counter() - started < START_TIMEOUT_S:
            if process.poll() is not None:
                _, errors = process.communicate()
                raise RuntimeError(f"{target} exited with {process.returncode}: {errors.decode()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", data=b"{}", timeout=5)
            except urllib.error.HTTPError:
                pass  # an answer, whatever its status
            except OSError:
                time.sleep(0.005)  # not listening yet
                continue
            return (time.perf_counter() - started) * 1000
        raise RuntimeError(f"{target} did not answer within {START_TIMEOUT_S:.0f} s")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()  # a busy machine can be slow to stop it; the next start must not wait for it
            process.wait()


def compile_sources(repo: Path) -> None:
    """Bytecode for the checkout's Python, as its packages have theirs from installation: an instance
    started without it (a fresh clone, or PYTHONDONTWRITEBYTECODE) compiles every module it imports from
    source, which the base, all installed packages, never does."""
    sources = [str(repo / name) for name in ("main.py", "functions", "shared")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *sources], check=True, stdout=subprocess.DEVNULL)


def declared_functions(repo: Path) -> dict[str, Function]:
    """The functions of `repo`'s resources.json: another checkout (--repo) may declare others than this one."""
    declared = json.loads((repo / "shared" / "resources.json").read_text())["functions"]
    return {name: Function.model_validate(function) for name, function in declared.items()}


def run(argv: list[str]) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="rapport bench coldstart", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="starts per function (the median counts)")
    parser.add_argument("--only", nargs="*", help="function names of resources.json (default: every one)")
    parser.add_argument("--repo", type=Path, default=REPO_ROOT, help="another checkout's main.py, to compare")
    args = parser.parse_args(argv)
    functions = declared_functions(args.repo)
    names = args.only or sorted(functions)
    compile_sources(args.repo)
    with tempfile.TemporaryDirectory(prefix="rapport-coldstart-") as scratch:
        base_source = Path(scratch) / "main.py"
        base_source.write_text(BASE_SOURCE)
        base_runs: list[float] = []
        per_function: dict[str, list[float]] = {name: [] for name in names}
        # Rounds over every function, with the base measured in each round, so a machine busier in one
        # part of the run weighs on the base and the functions alike.
        for round_ in range(args.repeat):
            base_runs.append(start_ms(base_source, "base", "http"))
            for name in names:
                function = functions[name]
                per_function[name].append(
                    start_ms(args.repo / "main.py", function.entry_point, SIGNATURE_TYPES[function.trigger], args.repo)
                )
            base_runs.append(start_ms(base_source, "base", "http"))
            say("coldstart", f"round {round_ + 1}/{args.repeat} done")
    base = statistics.median(base_runs)
    starts = {name: round(statistics.median(runs), 1) for name, runs in per_function.items()}
    ratios = [start / base for start in starts.values()]
    return {
        "functions": starts,
        "base_start_ms": round(base, 1),
        "median_start_ms": round(statistics.median(starts.values()), 1),
        "median_ratio_to_base": round(statistics.median(ratios), 2),
        "max_ratio_to_base": round(max(ratios), 2),
        "slowest": max(starts, key=lambda name: starts[name]),
    }


if __name__ == "__main__":
    print(run(sys.argv[1:]))
