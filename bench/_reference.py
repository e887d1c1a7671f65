"""Extraction speed against another commit's code, timed in turns in this process.

`./rapport bench extraction --baseline REF` takes `shared/` as it stood at REF (git archive, into a
temporary folder), imports it beside this checkout's under the same package name, and swaps the two
sets of modules in `sys.modules` before each timed pass, so that imports made inside functions
(phonenumbers' matcher, the company reader) resolve to the version being timed. The two versions
run in alternating passes over the same messages, the order turned round every round, so load from
other processes falls on both alike; each round gives one ratio, and the median and spread of
those ratios are what to read, with the absolute rates beside them.
"""

from __future__ import annotations

import contextlib
import io
import math
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "shared"
MAIL_PACKAGE = "shared.mail"


def _is_package_module(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


@dataclass
class CodeVersion:
    """One version of `shared/`'s modules, loaded under their own names."""

    name: str
    modules: dict[str, ModuleType]
    path: Path | None = None  # where a module first imported while active is found: another commit's checkout

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """This version's modules in `sys.modules` for the duration (the other version's put back after)."""
        saved = {name: module for name, module in sys.modules.items() if _is_package_module(name)}
        for name in saved:
            del sys.modules[name]
        sys.modules.update(self.modules)
        if self.path:
            sys.path.insert(0, str(self.path))
        try:
            yield
        finally:
            if self.path:
                sys.path.remove(str(self.path))
            for name in [n for n in sys.modules if _is_package_module(n)]:
                self.modules[name] = sys.modules.pop(name)  # modules imported meanwhile stay with this version
            sys.modules.update(saved)

    def attribute(self, module: str, name: str) -> Any:
        return getattr(self.modules[module], name)

    def clear_caches(self) -> None:
        """Empty every cache the version's mail modules keep (readings of repeated lines and names)."""
        for module in self.modules.values():
            if not module.__name__.startswith(MAIL_PACKAGE):
                continue
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear) and getattr(value, "__module__", None) == module.__name__:
                    clear()


def current_version(*modules: str) -> CodeVersion:
    """This checkout's modules, imported if they are not yet."""
    for module in modules:
        __import__(module)
    return CodeVersion("current", {n: m for n, m in sys.modules.items() if _is_package_module(n)})


def load_reference(ref: str, folder: Path, *modules: str, repo: Path = REPO_ROOT) -> CodeVersion:
    """`shared/` as of `ref`, unpacked into `folder` and imported there without disturbing this
    checkout's modules."""
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", ref, PACKAGE], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    current = {name: module for name, module in sys.modules.items() if _is_package_module(name)}
    for name in current:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    try:
        for module in modules:
            __import__(module)
        loaded = {name: module for name, module in sys.modules.items() if _is_package_module(name)}
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if _is_package_module(n)]:
            del sys.modules[name]
        sys.modules.update(current)
    return CodeVersion(ref, loaded, folder)


@dataclass(frozen=True)
class Competitor:
    """One version's work on one list of items: `work` is looked up with the version active."""

    version: CodeVersion | None  # None: code that is no version of ours (another library)
    work: Callable[[Any], object]


def timed_pass(competitor: Competitor, items: Sequence[Any], *, cold: bool = False) -> float:
    """CPU seconds of one pass over the items (CPU time: other processes' load does not count in it)."""
    with competitor.version.active() if competitor.version else contextlib.nullcontext():
        if cold and competitor.version:
            competitor.version.clear_caches()
        started = time.process_time()
        for item in items:
            competitor.work(item)
        return time.process_time() - started


@dataclass(frozen=True)
class Turns:
    """Rates of two competitors timed in alternating passes, and the ratio of each round."""

    rates: tuple[list[float], list[float]]  # items per CPU second, per round
    ratios: list[float]  # first's rate / second's, per round: above 1, the first is faster

    def summary(self) -> dict[str, Any]:
        ratios = sorted(self.ratios)
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) >= 2 else [ratios[0]] * 3
        return {
            "ratio_median": round(statistics.median(ratios), 3),
            "ratio_quartiles": [round(quartiles[0], 3), round(quartiles[2], 3)],
            "ratio_range": [round(ratios[0], 3), round(ratios[-1], 3)],
            "rounds": len(ratios),
            "per_s_median": [round(statistics.median(r)) for r in self.rates],
            # Each one's fastest pass, timeit's convention: the pass least disturbed by other load.
            "ratio_of_best": round(max(self.rates[0]) / max(self.rates[1]), 3),
        }


def in_turns(
    first: Competitor,
    second: Competitor,
    items: Sequence[Any],
    rounds: int,
    *,
    cold: bool = False,
    min_pass_seconds: float = 0.02,
) -> Turns:
    """Both competitors over the same items, one pass each per round, who goes first alternating.
    A short list is passed over several times in each pass, so that no pass is shorter than
    `min_pass_seconds` (the clock's and the scheduler's granularity would otherwise dominate)."""
    warm = min(timed_pass(competitor, items) for competitor in (first, second))  # imports, patterns, tables
    # Cold passes read each item once: a repeat would find the readings the first one kept.
    repeats = 1 if cold else max(1, math.ceil(min_pass_seconds / max(warm, 1e-6)))
    passed = list(items) * repeats
    rates: tuple[list[float], list[float]] = ([], [])
    ratios = []
    for round_number in range(rounds):
        order = (0, 1) if round_number % 2 == 0 else (1, 0)
        seconds = [0.0, 0.0]
        for which in order:
            seconds[which] = timed_pass((first, second)[which], passed, cold=cold)
        first_rate, second_rate = (len(passed) / max(s, 1e-9) for s in seconds)
        rates[0].append(first_rate)
        rates[1].append(second_rate)
        ratios.append(first_rate / second_rate)
    return Turns(rates, ratios)


def reference_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="rapport-bench-reference-")


def quote_stripping_against(
    other: Callable[[str], object], texts_by_set: dict[str, list[str]], rounds: int, pass_seconds: float
) -> dict[str, dict[str, Any]]:
    """This checkout's quote stripping against another parser, in turns, per set: ratio above 1, ours is faster."""
    ours = Competitor(None, _current_visible_reply())
    theirs = Competitor(None, other)
    return {
        name: in_turns(ours, theirs, texts, rounds, min_pass_seconds=pass_seconds).summary()
        for name, texts in texts_by_set.items()
    }


def _current_visible_reply() -> Callable[[str], object]:
    from shared.mail.quotes import visible_reply

    return visible_reply


def against_reference(
    ref: str,
    messages_by_set: dict[str, list[bytes]],
    texts_by_set: dict[str, list[str]],
    rounds: int,
    pass_seconds: float,
    *,
    cold: bool = False,
) -> dict[str, Any]:
    """Full extraction (per set of messages) and quote stripping (per set of bodies) of this checkout
    against `ref`'s, in turns: a ratio above 1 means this checkout is faster."""
    modules = ("shared.mail.extract", "shared.mail.quotes")
    current = current_version(*modules)
    result: dict[str, Any] = {"ref": ref, "cold": cold, "extraction": {}, "quote_only": {}}
    with reference_folder() as folder:  # kept while timing: the reference may import more modules from it
        reference = load_reference(ref, Path(folder), *modules)
        for kind, module, name, sets in (
            ("extraction", "shared.mail.extract", "extract", messages_by_set),
            ("quote_only", "shared.mail.quotes", "visible_reply", texts_by_set),
        ):
            new = Competitor(current, current.attribute(module, name))
            old = Competitor(reference, reference.attribute(module, name))
            for set_name, items in sets.items():
                turns = in_turns(new, old, items, rounds, cold=cold, min_pass_seconds=pass_seconds)
                result[kind][set_name] = turns.summary()
    return result
