"""Run a benchmark from bench/: progress on stderr, and as the last line of stdout one JSON object."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys

import bench
from devstack.processes import interrupt_on_sigterm


def _available() -> list[str]:
    return sorted(module.name for module in pkgutil.iter_modules(bench.__path__) if not module.name.startswith("_"))


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help=f"one of: {', '.join(_available())}")
    parser.add_argument("bench_args", nargs=argparse.REMAINDER, help="passed on to the benchmark")


def run(args: argparse.Namespace) -> int:
    interrupt_on_sigterm()
    if args.name not in _available():
        print(f"rapport bench: no benchmark {args.name!r}; there are: {', '.join(_available())}")
        return 2
    module = importlib.import_module(f"bench.{args.name}")
    result = module.run(args.bench_args)
    # Figures from a local stand-in or an emulator are never to be read as the real service's.
    answered_by = getattr(module, "ANSWERED_BY", {})
    if answered_by:
        served = ", ".join(f"{service}: {who}" for service, who in answered_by.items())
        print(f"rapport bench {args.name}: answered by {served}", file=sys.stderr, flush=True)
        result = {**result, "answered_by": answered_by}
    print(json.dumps(result), flush=True)
    return 0
