"""(6) Worker memory: resident set size of a real worker before and after 1,000 runs.

A `celery worker` subprocess (prefork, 2 pool processes, no max-tasks-per-child recycling)
runs RUNS diagnostic runs started with `run_start` (credentials sealed, tasks on the real
broker), each of three checks that sign JWTs, call the sandbox and store results:
jwt.inspect (signature verified), key.permissions and balances. RSS is the sum over the
main process and its pool, read after WARMUP runs (imports, connections and caches in
place) and again after all runs. Goal: no growth beyond 10 %.
"""

from __future__ import annotations

import os
import time

from bench.env import start_sandbox, start_worker
from bench.report import Figure

RUNS = int(os.environ.get("BENCH_MEMORY_RUNS", 1000))
WARMUP = 100
CHUNK = 50
CHECKS = ["jwt.inspect", "key.permissions", "balances"]
GOAL = 1.10


def _rss(pid: int) -> int:
    import psutil

    main = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [main, *main.children(recursive=True)])


def _start_runs(case, agent, inputs: dict, count: int) -> list[int]:
    from diagnostics import services

    return [services.run_start(case=case, by=agent, checks=CHECKS, **inputs).pk
            for _ in range(count)]


def _wait(run_ids: list[int], timeout: float = 180) -> None:
    from diagnostics.models import DiagnosticRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = DiagnosticRun.objects.filter(pk__in=run_ids).exclude(
            status__in=DiagnosticRun.FINISHED).count()
        if not left:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{left} runs did not finish within {timeout} s")


def run() -> list[Figure]:
    from django.contrib.auth.models import User

    from diagnostics import jwt_tools
    from diagnostics.models import CheckRun, DiagnosticRun
    from triage.models import Scenario
    from triage.services import case_create

    server = start_sandbox()
    worker = None
    try:
        key = server.control.create_key("ES256", permissions=["view", "trade"])
        server.control.set_balances(key["portfolio_uuid"], {"USD": "1000", "BTC": "0.5"})
        agent, _ = User.objects.get_or_create(username="bench-memory-agent")
        case = case_create(subject="Memory bench", created_by=agent, product_id="BTC-USD",
                           scenario=Scenario.objects.get(slug="api-keys-not-working"))
        inputs = {"key_name": key["key_name"], "key_secret": key["private_key"],
                  "product_id": "BTC-USD", "side": "BUY", "size": "0.001", "action": "trade",
                  "customer_request": "GET /api/v3/brokerage/accounts",
                  "rest_base": server.base_url, "ws_market_url": server.ws_market_url,
                  "ws_user_url": server.ws_user_url}
        worker = start_worker("bench-memory", concurrency=2)
        started = time.monotonic()
        done = 0
        before = None
        while done < RUNS:
            size = min(CHUNK, RUNS - done)
            token = jwt_tools.build_jwt(key["key_name"], key["private_key"],
                                        uri=f"GET {server.host}/api/v3/brokerage/accounts")
            _wait(_start_runs(case, agent, dict(inputs, customer_jwt=token), size))
            done += size
            if before is None and done >= WARMUP:
                before = _rss(worker.proc.pid)
        after = _rss(worker.proc.pid)
        elapsed = time.monotonic() - started
        runs = DiagnosticRun.objects.filter(case=case)
        failed = runs.exclude(status=DiagnosticRun.Status.DONE).count()
        errors = CheckRun.objects.filter(run__case=case, status=CheckRun.Status.ERROR).count()
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
    if failed or errors:
        raise RuntimeError(f"{failed} runs not done, {errors} checks in error")
    ratio = after / before
    return [Figure(f"worker RSS after {RUNS:,} runs ({len(CHECKS)} checks each)", after / 2**20,
                   "MiB", f"after {WARMUP} runs", before / 2**20, ratio, f"≤ {GOAL:.2f}×",
                   ratio <= GOAL,
                   note=f"main process + 2 pool processes; {RUNS * len(CHECKS):,} tasks in "
                   f"{elapsed:.0f} s")]
