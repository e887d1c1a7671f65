"""What the deployed code imports is what it declares, and what it declares is locked.

Cloud Functions installs requirements.txt and nothing else, so a package imported by shared/, functions/
or main.py but only present as someone else's dependency can vanish or change under us at any build.
Every third-party import must name a distribution of requirements.in; requirements.txt (made from it by
`./rapport lock`) pins each one exactly, with hashes, as do the locks of the dev tools, the Tasks emulator
and the model weights."""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from tests.support import parsed_source

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED = [ROOT / "main.py", *sorted((ROOT / "shared").rglob("*.py")), *sorted((ROOT / "functions").rglob("*.py"))]
LOCKS = {
    "requirements.in": "requirements.txt",
    "requirements-dev.in": "requirements-dev.txt",
    "requirements-tasks-emulator.in": "requirements-tasks-emulator.txt",
    "requirements-models.in": "requirements-models.txt",
}
NAMESPACES = {"google", "google.cloud"}  # shared by many distributions: the module below decides
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(path: Path) -> dict[str, str]:
    """Distribution name -> its requirement line, for each requirement of `path` (not its -r includes)."""
    requirements = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip().rstrip("\\").strip()
        match = _REQUIREMENT.match(line)
        if line and not line.startswith("-") and match:
            requirements[canonical(match.group(1))] = line
    return requirements


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(parsed_source(path)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in NAMESPACES:  # `from google.cloud import firestore`
                modules |= {f"{node.module}.{alias.name}" for alias in node.names}
            else:
                modules.add(node.module)
    ours = {*sys.stdlib_module_names, "shared", "functions"}
    return {module for module in modules if module.split(".")[0] not in ours}


@functools.cache
def namespace_files() -> tuple[tuple[str, frozenset[str]], ...]:
    """(distribution, its files' directories and modules) for each distribution sharing the google namespace."""
    shipped = []
    for distribution in metadata.distributions():
        names = [str(file) for file in distribution.files or [] if str(file).startswith("google/")]
        if names:
            parts = {name.removesuffix(".py").replace("/", ".") for name in names}
            parts |= {str(Path(name).parent).replace("/", ".") for name in names}
            shipped.append((canonical(distribution.metadata["Name"]), frozenset(parts)))
    return tuple(shipped)


@functools.cache
def packages_distributions() -> Mapping[str, list[str]]:
    """importlib's map of top-level modules to distributions, read once: it scans every installed
    distribution's file list, which took seconds per call."""
    return metadata.packages_distributions()


def distribution_of(module: str) -> str:
    top = module.split(".")[0]
    if top != "google":
        (distribution, *_) = packages_distributions()[top]
        return canonical(distribution)
    name = module
    while name not in NAMESPACES:  # the longest prefix of the module that one distribution ships
        owners = [distribution for distribution, parts in namespace_files() if name in parts]
        if owners:
            return owners[0]
        name = name.rsplit(".", 1)[0]
    raise AssertionError(f"{module}: no installed distribution provides it")


def test_every_third_party_import_of_the_deployed_code_is_declared():
    runtime = declared(ROOT / "requirements.in")
    missing = {}
    for path in DEPLOYED:
        for module in imported_modules(path):
            distribution = distribution_of(module)
            if distribution not in runtime:
                missing.setdefault(distribution, f"{module} in {path.relative_to(ROOT)}")
    assert not missing, f"imported but not in requirements.in: {missing}"


def test_the_check_sees_an_undeclared_import(tmp_path):
    module = tmp_path / "uses_requests_directly.py"
    module.write_text("import requests\nfrom google.cloud import firestore\nfrom google.protobuf import struct_pb2\n")
    distributions = {distribution_of(name) for name in imported_modules(module)}
    assert distributions == {"requests", "google-cloud-firestore", "protobuf"}


def test_every_lock_pins_each_declared_requirement_with_hashes():
    for source, lock in LOCKS.items():
        wanted = declared(ROOT / source)
        locked = declared(ROOT / lock)
        text = (ROOT / lock).read_text()
        assert wanted, source
        for name, line in wanted.items():
            assert name in locked, f"{lock} lacks {name}: run ./rapport lock"
            version = re.search(r"==\s*([^\s;]+)", locked[name])
            assert version, f"{lock}: {name} is not pinned exactly"
            pinned = line.split("==", 1)[1].split(";")[0].strip() if "==" in line else "*"
            if "*" not in pinned:
                assert pinned == version.group(1), f"{lock}: {name} is stale"
        hashed = re.findall(r"^([A-Za-z0-9][^\s]*==[^\s]+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", text, re.M)
        requirement_lines = re.findall(r"^[A-Za-z0-9]", text, re.M)
        assert len(hashed) == len(requirement_lines), f"{lock}: every requirement needs its --hash lines"
