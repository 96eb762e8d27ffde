"""(1) and (2): a diagnostic run of every check, sandbox adding 150 ms to each REST call.

Baseline: the same twelve checks with the same inputs, run one after another in this
process (`run_check`), against the same sandbox.

Product: an agent presses "Run diagnostics" — the run form is POSTed through Django's
full stack (test client, in this process), `run_start` seals the credentials and
enqueues one task per check on the real broker; a real `celery worker` subprocess
(prefork, one pool process per check) runs them and stores each result. This process
polls the database every 10 ms and records when the first and the last result are
stored, counted from the POST. The run page itself polls every 2 s, so an agent sees a
stored result up to 2 s later.

Figures: wall time (POST → last result) vs the run's slowest single check (goal ≤ 1.5×)
and vs the sequential total (goal ≤ 0.3×); time to first and last result.
"""

from __future__ import annotations

import time

from bench.env import median, start_sandbox, start_worker
from bench.report import Figure

LATENCY_MS = 150
RUNS = 3
WORKER_PROCESSES = 12  # one per check: a run fans out into one task per check


def _inputs(server):
    from diagnostics import jwt_tools

    key = server.control.create_key("ES256", permissions=["view", "trade"])
    server.control.set_balances(key["portfolio_uuid"], {"USD": "1000", "BTC": "0.5"})
    token = jwt_tools.build_jwt(key["key_name"], key["private_key"],
                                uri=f"GET {server.host}/api/v3/brokerage/accounts")
    return {
        "product_id": "BTC-USD", "action": "trade", "side": "BUY", "size": "0.001",
        "key_name": key["key_name"], "key_secret": key["private_key"], "customer_jwt": token,
        "customer_request": "GET /api/v3/brokerage/accounts",
        "rest_base": server.base_url, "ws_market_url": server.ws_market_url,
        "ws_user_url": server.ws_user_url,
    }


def sequential(inputs: dict) -> dict[str, float]:
    """Every check one after another in this process: check id → seconds."""
    from diagnostics.checks import CHECK_ORDER, Credentials, RunContext, run_check

    ctx = RunContext(
        rest_base=inputs["rest_base"], ws_market_url=inputs["ws_market_url"],
        ws_user_url=inputs["ws_user_url"], product_id=inputs["product_id"],
        action=inputs["action"], side=inputs["side"], size=inputs["size"],
        customer_jwt=inputs["customer_jwt"], customer_request=inputs["customer_request"],
        credentials=Credentials(inputs["key_name"], inputs["key_secret"]),
        deadline=time.monotonic() + 90,
    )
    out = {}
    for check_id in CHECK_ORDER:
        started = time.perf_counter()
        run_check(check_id, ctx)
        out[check_id] = time.perf_counter() - started
    return out


def _agent_and_case():
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from triage.models import Scenario
    from triage.roles import AGENTS
    from triage.services import case_create

    agent, _ = User.objects.get_or_create(username="bench-diagnostics-agent")
    agent.groups.add(Group.objects.get(name=AGENTS))
    case = case_create(subject="Keys rejected in production",
                       scenario=Scenario.objects.get(slug="api-keys-not-working"),
                       created_by=agent, product_id="BTC-USD")
    client = Client()
    client.force_login(agent)
    return client, case


def one_run(client, case, inputs: dict) -> dict:
    """POST the run form and wait for the results; times from the POST, in seconds."""
    from diagnostics.checks import CHECK_ORDER
    from diagnostics.models import CheckRun, DiagnosticRun

    data = dict(inputs, checks=list(CHECK_ORDER))
    before = DiagnosticRun.objects.filter(case=case).count()
    started = time.perf_counter()
    response = client.post(f"/diagnostics/cases/{case.pk}/runs/new/", data)
    posted = time.perf_counter() - started
    if response.status_code != 302:
        raise RuntimeError(f"the run form answered {response.status_code}: "
                           f"{response.content[:2000]!r}")
    run = DiagnosticRun.objects.filter(case=case).order_by("-pk").first()
    assert DiagnosticRun.objects.filter(case=case).count() == before + 1
    first = last = None
    deadline = time.perf_counter() + 120
    while time.perf_counter() < deadline:
        done = CheckRun.objects.filter(run=run).exclude(status__in=CheckRun.ACTIVE).count()
        now = time.perf_counter() - started
        if done and first is None:
            first = now
        if done == len(CHECK_ORDER):
            last = now
            break
        time.sleep(0.01)
    if last is None:
        raise RuntimeError(f"run {run.pk} did not finish within 120 s")
    rows = list(CheckRun.objects.filter(run=run).values("check_id", "status", "duration_ms"))
    slowest = max(rows, key=lambda r: r["duration_ms"] or 0)
    errors = [r["check_id"] for r in rows if r["status"] == "error"]
    return {"post": posted, "first": first, "last": last,
            "slowest": (slowest["duration_ms"] or 0) / 1000, "slowest_id": slowest["check_id"],
            "errors": errors}


def run() -> list[Figure]:
    server = start_sandbox()
    worker = None
    try:
        inputs = _inputs(server)
        server.control.set_faults(latency_ms=LATENCY_MS)
        worker = start_worker("bench-diagnostics", concurrency=WORKER_PROCESSES)
        client, case = _agent_and_case()
        one_run(client, case, inputs)  # warm-up: imports and connections in every process
        runs = [one_run(client, case, inputs) for _ in range(RUNS)]
        seq = sequential(inputs)
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
    wall = median([r["last"] for r in runs])
    slowest = median([r["slowest"] for r in runs])
    slowest_ids = sorted({r["slowest_id"] for r in runs})
    total = sum(seq.values())
    errors = sorted({e for r in runs for e in r["errors"]})
    note = (f"median of {RUNS} runs, {WORKER_PROCESSES} worker processes; slowest check "
            f"{', '.join(slowest_ids)}" + (f"; checks ending in error: {errors}" if errors else ""))
    return [
        Figure(f"diagnostic run wall, all {len(seq)} checks, +{LATENCY_MS} ms/request", wall,
               "s", "slowest single check in the run", slowest, wall / slowest, "≤ 1.5×",
               wall / slowest <= 1.5, note=note),
        Figure(f"diagnostic run wall vs sequential, +{LATENCY_MS} ms/request", wall, "s",
               "same checks one after another", total, wall / total, "≤ 0.3×",
               wall / total <= 0.3,
               note=f"a run cannot end before its slowest check; {slowest_ids[0]} alone is "
               f"{slowest / total:.0%} of the sequential total (sequential s: "
               + ", ".join(f"{k} {v:.1f}" for k, v in seq.items()) + ")"),
        Figure("Run diagnostics → first check result stored", median([r["first"] for r in runs]),
               "s", "", None, None, "", None,
               note=f"POST itself {median([r['post'] for r in runs]) * 1000:.0f} ms; the page "
               "polls every 2 s"),
        Figure("Run diagnostics → last check result stored", wall, "s", "", None, None, "", None),
    ]
