"""Run a benchmark from bench/: progress on stderr, and as the last line of stdout one JSON object."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil

import bench
from bench._env import with_answered_by
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
    result = with_answered_by(args.name, result, getattr(module, "ANSWERED_BY", {}))
    print(json.dumps(result), flush=True)
    return 0
