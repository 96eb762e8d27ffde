"""(3) Web pages with years of history: latency and SQL queries per request vs a small dataset.

The same requests are timed twice in one run on the bench database: first with a small
dataset (SMALL cases and escalations), then after bulk-seeding up to CASES cases (every
case with all Module 2 checklist item states) and ESCALATIONS escalations with
`seed_bench_cases` and `seed_escalations`. Each request runs through Django's full stack
(middleware, sessions, auth, templates) in this process via the test client; each sample
opens a different case. SQL queries per request must not grow with the data.

On SQLite (no PostgreSQL answering) the data is scaled down (SQLITE_SCALE) and the
figures say so.
"""

from __future__ import annotations

import io
import random
import time

from bench.env import is_postgres, median, percentile
from bench.report import Figure

CASES = int(__import__("os").environ.get("BENCH_CASES", 100_000))
ESCALATIONS = int(__import__("os").environ.get("BENCH_ESCALATIONS", 100_000))
SMALL = 1_000
SQLITE_SCALE = 0.2
SAMPLES = 40
WARMUP = 5


def _seed(cases: int, escalations: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    quiet = io.StringIO()
    if cases:
        call_command("seed_bench_cases", cases=cases, seed=cases, stdout=quiet)
    if escalations:
        call_command("seed_escalations", count=escalations, seed=escalations, stdout=quiet)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _clients():
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from triage.roles import TEAM_LEADS

    lead, _ = User.objects.get_or_create(username="bench-lead")
    lead.groups.add(Group.objects.get(name=TEAM_LEADS))
    agent = User.objects.get(username="seed-agent-001")
    agent_client, lead_client = Client(), Client()
    agent_client.force_login(agent)
    lead_client.force_login(lead)
    return agent, agent_client, lead_client


def _requests(rng: random.Random):
    """name → function returning one prepared request (picking its own case), so the
    timed part is the request alone."""
    from triage.models import Case, CaseChecklistItem, Scenario

    agent, agent_client, lead_client = _clients()
    # The cases seed_bench_cases made (they carry checklists and a help-desk ticket).
    pks = list(Case.objects.exclude(external_ticket="").values_list("pk", flat=True))
    scenario = Scenario.objects.order_by("order").first()
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}

    def case_pk() -> int:
        return rng.choice(pks)

    def case_page():
        url = f"/cases/{case_pk()}/"
        return lambda: agent_client.get(url)

    def checklist_update():
        pk = case_pk()
        item = rng.choice(list(CaseChecklistItem.objects.filter(case_id=pk)
                               .values_list("pk", flat=True)))
        state = rng.choice(["pass", "fail", "na", "pending"])
        return lambda: agent_client.post(f"/cases/{pk}/items/{item}/", {"state": state}, **htmx)

    def case_list():
        query = {"scope": "team", "status": rng.choice(["open", "diagnosing"]),
                 "scenario": scenario.pk, "priority": rng.choice(["high", "normal"]),
                 "page": rng.choice(["1", "2", "3"])}
        return lambda: agent_client.get("/cases/", query)

    def case_list_all():
        return lambda: agent_client.get("/cases/", {"scope": "team"})

    def case_search():
        query = {"scope": "team", "q": f"ZD-{rng.randint(100, 999)}"}
        return lambda: agent_client.get("/cases/", query)

    def lead_queue():
        return lambda: lead_client.get("/escalations/queue/")

    return {"case page": case_page, "htmx checklist update": checklist_update,
            "case list, team scope with 3 filters": case_list,
            "case list, team scope, no filter": case_list_all,
            "case list, search by ticket number": case_search,
            "lead escalation queue": lead_queue}


def _measure(requests, samples: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = {}
    for name, make in requests.items():
        for _ in range(WARMUP):
            make()()
        times, queries = [], []
        for _ in range(samples):
            request = make()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = request()
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {response.status_code}")
            queries.append(len(captured.captured_queries))
        out[name] = {"median": median(times), "p95": percentile(times, 95),
                     "queries": max(queries), "queries_min": min(queries)}
    return out


def run() -> list[Figure]:
    from triage.models import CaseChecklistItem

    scale = 1.0 if is_postgres() else SQLITE_SCALE
    cases, escalations = int(CASES * scale), int(ESCALATIONS * scale)
    rng = random.Random(5)
    _seed(SMALL, SMALL)
    small = _measure(_requests(rng), SAMPLES // 2)
    started = time.monotonic()
    _seed(cases - SMALL, escalations - SMALL)
    seeded_s = time.monotonic() - started
    states = CaseChecklistItem.objects.count()
    big = _measure(_requests(rng), SAMPLES)
    where = "PostgreSQL" if is_postgres() else f"SQLite, scaled to {scale:.0%}"
    size = (f"{cases:,} cases / {states:,} item states / {escalations:,} escalations "
            f"({escalations:,} more cases) on {where}; seeded in {seeded_s:.0f} s")
    figures = []
    for name, row in big.items():
        base = small[name]
        figures.append(Figure(
            f"{name}: median", row["median"], "ms", f"{SMALL:,} cases", base["median"],
            row["median"] / base["median"], "", None,
            note=f"p95 {row['p95']:.1f} ms (small: {base['p95']:.1f} ms); {size}"))
        figures.append(Figure(
            f"{name}: p95", row["p95"], "ms", f"{SMALL:,} cases", base["p95"],
            row["p95"] / base["p95"], "", None))
        constant = row["queries"] == base["queries"]
        figures.append(Figure(
            f"{name}: SQL queries per request", row["queries"], "queries",
            f"{SMALL:,} cases", base["queries"], row["queries"] / base["queries"],
            "same as small", constant,
            note="" if constant else f"{base['queries']} with {SMALL:,} cases, "
            f"{row['queries']} with {cases:,}"))
    return figures
