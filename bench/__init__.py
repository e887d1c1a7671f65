"""Benchmarks: `./rapport bench NAME` runs `bench/NAME.py`'s `run(argv) -> dict`."""
