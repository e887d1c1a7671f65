"""Takeout import benchmark: a generated mbox (1 GB by default, written to disk as it is generated) uploaded to
the Cloud Storage emulator, then streamed back through the production reader (shared/takeout/mbox.py over
google-cloud-storage's ranged reads), each message made into the pipeline's FetchedMessage.

`./rapport bench import [--size-mb N] [--small-mb N]` reads the file and a small one (100 MB) in fresh
processes, each reporting its peak RSS, and runs the reader the import replaced (the whole file read into
memory and split) on the small file as the baseline. Flat memory means the large file's peak RSS is about
the small file's. The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._env import EMULATOR, answered_by, say
from devstack.processes import free_port, http_ok

ANSWERED_BY = answered_by(cloud_storage=f"{EMULATOR} (gcp-storage-emulator)")
BUCKET = "bench-takeout"
MB = 1024 * 1024
RSS_LIMIT_MB = 200
_MESSAGE_ID = re.compile(rb"^Message-ID: <([^>]*)>", re.MULTILINE | re.IGNORECASE)


def generate_mbox(path: Path, size_bytes: int) -> int:
    """Demo-mailbox messages repeated, each with a Message-ID of its own, until the file reaches the size;
    written as it goes, so the generator's memory stays that of one demo mailbox."""
    from devstack.demo_mailbox import _mbox_entry, generate

    entries = [_mbox_entry(raw) for raw in generate(owner="sam.lee@lumenway.io", messages=400, seed=7).messages]
    written = count = 0
    with path.open("wb", buffering=8 * MB) as out:
        while written < size_bytes:
            for entry in entries:
                unique = _MESSAGE_ID.sub(lambda m, n=count: b"Message-ID: <%d.%s>" % (n, m.group(1)), entry, count=1)
                out.write(unique)
                written += len(unique)
                count += 1
                if written >= size_bytes:
                    break
    return count


def _peak_rss_mb() -> float:
    """This process's peak resident memory. getrusage's ru_maxrss would do, but Linux carries the parent's
    peak over into a child it forks, so a fresh reading process would report the generator's; VmHWM is
    the peak of this process's own memory since it started."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def read_from_storage(bucket: str, name: str) -> dict[str, Any]:
    """In its own process: the production reader over Cloud Storage ranged reads."""
    from shared.clients import storage_client
    from shared.takeout.mbox import READ_CHUNK, read_messages, to_fetched

    baseline_mb = _peak_rss_mb()
    blob = storage_client().bucket(bucket).blob(name)
    started = time.monotonic()
    messages = size = 0
    with blob.open("rb", chunk_size=READ_CHUNK) as reader:
        for message in read_messages(reader.read):
            to_fetched(message.raw)
            messages += 1
            size = message.end
    seconds = time.monotonic() - started
    return {
        "messages": messages,
        "bytes": size,
        "seconds": round(seconds, 2),
        "messages_per_second": round(messages / seconds, 1),
        "mb_per_second": round(size / MB / seconds, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_before_reading_mb": round(baseline_mb, 1),
    }


def read_whole_file(path: str) -> dict[str, Any]:
    """In its own process: the reader the import replaced, which read the file whole and split it. It loads
    the same libraries as the streaming reader's process, so the difference is the reading alone."""
    import shared.clients
    import shared.takeout.mbox  # noqa: F401

    postmark = re.compile(rb"^From [^\n]*\n", re.MULTILINE)
    escaped = re.compile(rb"^>(>*From )", re.MULTILINE)
    data = Path(path).read_bytes()
    starts = [m for m in postmark.finditer(data) if m.start() == 0 or data[m.start() - 1] == 10]
    messages = 0
    for index, mark in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(data)
        escaped.sub(rb"\1", data[mark.end() : end])
        messages += 1
    return {"messages": messages, "peak_rss_mb": round(_peak_rss_mb(), 1)}


def _in_process(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.import", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench import {args[0]} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _upload(path: Path, name: str) -> float:
    from shared.clients import storage_client

    started = time.monotonic()
    blob = storage_client().bucket(BUCKET).blob(name, chunk_size=64 * MB)
    blob.upload_from_filename(str(path), content_type="application/mbox")
    return time.monotonic() - started


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="rapport bench import")
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the generated mbox (default 1024)")
    parser.add_argument("--small-mb", type=int, default=100, help="size of the small file for comparison")
    args = parser.parse_args(argv)

    from bench._env import bench_env
    from devstack.processes import ProcessSupervisor
    from devstack.stack import REPO_ROOT, use_stack_env

    with tempfile.TemporaryDirectory(prefix="rapport-bench-import-") as scratch:
        root = Path(scratch)
        port = free_port()
        supervisor = ProcessSupervisor(root / "logs")
        env = bench_env(PYTHONPATH=str(REPO_ROOT), STORAGE_EMULATOR_HOST=f"http://127.0.0.1:{port}")
        argv_emulator = [sys.executable, "-m", "devstack.storage_emulator", "--port", str(port)]
        argv_emulator += ["--data-dir", str(root / "storage"), "--bucket", BUCKET]
        try:
            say("import", f"Cloud Storage is an emulator (gcp-storage-emulator) on 127.0.0.1:{port}")
            child = supervisor.spawn("cloud-storage", argv_emulator, env=env, cwd=REPO_ROOT)
            supervisor.wait_ready(child, lambda: http_ok(f"http://127.0.0.1:{port}/"))
            use_stack_env({k: v for k, v in env.items() if k != "PYTHONPATH"})
            sizes = {"small": args.small_mb, "large": args.size_mb}
            results: dict[str, Any] = {}
            for label, size_mb in sizes.items():
                path = root / f"{label}.mbox"
                started = time.monotonic()
                count = generate_mbox(path, size_mb * MB)
                say("import", f"generated {size_mb} MB, {count} messages in {time.monotonic() - started:.1f} s")
                upload_seconds = _upload(path, f"takeout/{label}.mbox")
                say("import", f"uploaded to the emulator in {upload_seconds:.1f} s; reading it back ...")
                results[label] = _in_process(["storage", BUCKET, f"takeout/{label}.mbox"], env)
                say("import", f"{label}: {json.dumps(results[label])}")
                if label == "small":
                    results["baseline"] = _in_process(["whole-file", str(path)], env)
                    say("import", f"the whole-file reader on {size_mb} MB: {json.dumps(results['baseline'])}")
                path.unlink()
        finally:
            supervisor.stop_all()
    large, small = results["large"], results["small"]
    return {
        "file_mb": args.size_mb,
        "messages": large["messages"],
        "messages_per_second": large["messages_per_second"],
        "mb_per_second": large["mb_per_second"],
        "seconds": large["seconds"],
        "peak_rss_mb": large["peak_rss_mb"],
        f"peak_rss_mb_at_{args.small_mb}_mb": small["peak_rss_mb"],
        f"whole_file_reader_peak_rss_mb_at_{args.small_mb}_mb": results["baseline"]["peak_rss_mb"],
        "rss_limit_mb": RSS_LIMIT_MB,
        "flat": large["peak_rss_mb"] < RSS_LIMIT_MB and large["peak_rss_mb"] - small["peak_rss_mb"] < 20,
        "storage": "gcp-storage-emulator (local Cloud Storage emulator)",
    }


def _main() -> None:
    mode, *rest = sys.argv[1:]
    answer = read_from_storage(*rest) if mode == "storage" else read_whole_file(*rest)
    print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    _main()
