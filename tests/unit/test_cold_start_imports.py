"""Each deployed function imports only its own module and what it uses (cold starts: bench/coldstart.py).

main.py hands functions-framework the one function its target names; the heavy clients (google-genai,
phonenumbers' geodata, the Gmail discovery client, Pub/Sub, Cloud Tasks, Cloud Storage) are imported
where they are first used, never when a function's module loads. Each check runs in a fresh interpreter,
since this one has long imported everything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from shared.resources import resources

REPO_ROOT = Path(__file__).resolve().parents[2]
# Loaded only by the code paths that call them, which no function runs while it loads.
USED_ONLY_WHEN_CALLED = (
    "google.genai",
    "phonenumbers.geodata",
    "googleapiclient.discovery",
    "google.cloud.pubsub_v1",
    "google.cloud.tasks_v2",
    "google.cloud.storage",
    "tldextract",
)


def evaluated_after(code: str, expression: str) -> Any:
    """`expression`'s value (JSON) in a fresh interpreter that has run `code` in the repository root."""
    script = f"{code}\nimport json, sys\nprint(json.dumps({expression}))"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def loaded_after(code: str) -> list[str]:
    """The modules a fresh interpreter holds after running `code` in the repository root."""
    return list(evaluated_after(code, "sorted(sys.modules)"))


def function_modules(loaded: list[str]) -> set[str]:
    entry_points = {f"functions.{function.entry_point}" for function in resources().functions.values()}
    return {module for module in loaded if module in entry_points}


def test_importing_main_imports_no_function():
    assert function_modules(loaded_after("import main")) == set()


def test_a_function_imports_its_own_module_and_no_other():
    loaded = loaded_after("import main\nmain.contacts\nmain.gmail_push")
    assert function_modules(loaded) == {"functions.contacts", "functions.gmail_push"}


def test_main_offers_every_entry_point_and_nothing_else():
    script = "import main\nnames = [f.entry_point for f in main.resources().functions.values()]\n"
    script += "assert all(callable(getattr(main, name)) for name in names)\nassert set(names) <= set(dir(main))\n"
    script += "try:\n    main.not_a_function\nexcept AttributeError:\n    pass\nelse:\n    raise SystemExit(1)"
    loaded_after(script)


def test_no_function_loads_a_heavy_client_before_it_uses_it():
    # Every function loaded into one interpreter: what none of them loads, no single one does.
    everything = "import main\nfor function in main.resources().functions.values():\n"
    everything += "    getattr(main, function.entry_point)"
    loaded = set(loaded_after(everything))
    assert function_modules(sorted(loaded)) == {f"functions.{f.entry_point}" for f in resources().functions.values()}
    assert sorted(module for module in USED_ONLY_WHEN_CALLED if module in loaded) == []


def test_the_coldstart_bench_times_a_function_against_the_base_in_the_same_run():
    from bench import coldstart

    result = coldstart.run(["--repeat", "1", "--only", "contacts"])
    assert set(result) >= {"functions", "base_start_ms", "median_start_ms", "median_ratio_to_base", "max_ratio_to_base"}
    assert list(result["functions"]) == ["contacts"]  # type: ignore[call-overload]
    assert 0 < result["base_start_ms"] < coldstart.START_TIMEOUT_S * 1000  # type: ignore[operator]
    assert result["median_ratio_to_base"] == result["max_ratio_to_base"]


# Which compiled forms the mail modules' caseless patterns hold (a sign-off pattern per closing word in every
# language among them), read without compiling any: object.__getattribute__ skips Caseless.__getattr__.
CASELESS_PATTERNS = """
from shared.mail import quotes, signatures
from shared.mail.caseless import Caseless

patterns = {f"{m.__name__}.{n}": v for m in (quotes, signatures) for n, v in vars(m).items() if isinstance(v, Caseless)}
patterns.update({f"sign-off {word}": v for word, v in signatures._SIGN_OFF_BY_FIRST_WORD.items()})


def compiled():
    names = []
    for name, pattern in patterns.items():
        for form in ("ignorecase", "lowered"):
            try:
                object.__getattribute__(pattern, form)
            except AttributeError:
                continue
            names.append(f"{name} {form}")
    return names
"""


def test_importing_workspace_settings_compiles_no_signature_tables():
    # Every function reaches the mail modules through shared.workspace_settings; compiling their
    # per-language tables at import once cost each cold start about 230 ms.
    assert evaluated_after("import shared.workspace_settings\n" + CASELESS_PATTERNS, "compiled()") == []


def test_a_caseless_pattern_is_compiled_when_first_used():
    code = CASELESS_PATTERNS + "signed = bool(signatures._sign_off_match('Best regards, Ann'))"
    assert evaluated_after(code, "[signed, compiled()]") == [True, ["sign-off best lowered"]]


def test_a_function_that_reads_no_mail_loads_no_mail_reader_nor_phone_metadata():
    # The contacts API parses no mail and checks a phone number only when one is sent.
    loaded = set(loaded_after("import main\nmain.contacts"))
    readers = {"shared.mail.extract", "shared.mail.quotes", "shared.mail.signatures", "phonenumbers"}
    assert sorted(loaded & readers) == []


def test_api_models_build_their_validators_when_first_used():
    code = (
        "from pydantic import BaseModel\nfrom shared.crm import answers, models\nmodels.ContactCreate(email='a@b.co')"
    )
    built = "sorted(name for module in (answers, models) for name, c in vars(module).items() if isinstance(c, type)"
    built += " and issubclass(c, BaseModel) and c.__module__ == module.__name__ and c.__pydantic_complete__)"
    assert evaluated_after(code, built) == ["ContactCreate"]
