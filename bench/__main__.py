"""`make bench`: run every benchmark module, write bench/results.json, print a table.

Each module in BENCHES has `run() -> list[Figure]` and measures its figure against a
baseline in the same run (ratios, never absolute timed assertions).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

from bench import env
from bench.report import Figure, machine, markdown

BENCHES = [
    "bench.bench_jwt",
    "bench.bench_ws",
    "bench.bench_diagnostics",
    "bench.bench_web",
    "bench.bench_worker_memory",
    "bench.sandbox_bench",
]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    only = set(argv[1:])
    figures: list[Figure] = []
    failures = []
    total = time.monotonic()
    load = os.getloadavg()[0]
    setup = env.prepare()
    print(f"== database {setup['database']}, broker {setup['broker']}", flush=True)
    try:
        _run_all(only, figures, failures)
    finally:
        env.cleanup()
    info = machine() | setup | {"minutes": round((time.monotonic() - total) / 60, 1),
                                "load_average": [round(load, 1), round(os.getloadavg()[0], 1)]}
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps({"machine": info, "figures": [f.as_dict() for f in figures],
                               "failed": failures}, indent=2))
    print()
    print(markdown(figures, info))
    if failures:
        print(f"\nBenchmarks that failed to run: {', '.join(failures)}")
    return 1 if failures else 0


def _run_all(only: set[str], figures: list[Figure], failures: list[str]) -> None:
    for name in BENCHES:
        if only and name.rsplit(".", 1)[-1] not in only:
            continue
        started = time.monotonic()
        load = os.getloadavg()[0]
        print(f"== {name} (machine load average {load:.1f})", flush=True)
        try:
            module = importlib.import_module(name)
            figures.extend(module.run())
        except Exception:  # one broken benchmark must not hide the others' figures
            failures.append(name)
            traceback.print_exc()
        print(f"   {time.monotonic() - started:.1f}s", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
