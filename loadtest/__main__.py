"""`make loadtest`: 50 simulated agents for 60 s against a real stack on loopback.

Sets up what `make bench` uses (a throwaway PostgreSQL database when PostgreSQL answers,
else SQLite; Redis when it answers, else the filesystem broker), seeds CASES cases with
their checklists, creates one account per simulated agent, then starts on 127.0.0.1 only:
the sandbox, a real Celery worker, and the web app under gunicorn. Locust runs headless
(`loadtest/locustfile.py`) and stops by itself after the duration. Results go to
`loadtest/results.json` and a Markdown summary is printed. Exit status 1 when any request
failed.

    python -m loadtest [--users 50] [--seconds 60] [--cases 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench import env

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results.json")
CHECKS = ["jwt.inspect", "key.permissions", "reach.rest", "balances"]


def _seed(cases: int, users: int, server) -> dict:
    import io

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from diagnostics import jwt_tools
    from triage.models import Case, CaseChecklistItem
    from triage.roles import AGENTS

    call_command("seed_bench_cases", cases=cases, stdout=io.StringIO())
    group = Group.objects.get(name=AGENTS)
    accounts = []
    for index in range(1, users + 1):
        password = secrets.token_urlsafe(12)
        user, _ = User.objects.get_or_create(username=f"load-agent-{index:03d}")
        user.set_password(password)
        user.save()
        user.groups.add(group)
        accounts.append([user.username, password])
    pks = list(Case.objects.order_by("-created_at").values_list("pk", flat=True)[:500])
    items: dict[int, list[int]] = {}
    for case_id, pk in CaseChecklistItem.objects.filter(case_id__in=pks).values_list(
            "case_id", "pk"):
        items.setdefault(case_id, []).append(pk)
    key = server.control.create_key("ES256", permissions=["view", "trade"])
    server.control.set_balances(key["portfolio_uuid"], {"USD": "1000", "BTC": "0.5"})
    token = jwt_tools.build_jwt(key["key_name"], key["private_key"], lifetime=3600,
                                uri=f"GET {server.host}/api/v3/brokerage/accounts")
    run = {"checks": CHECKS, "product_id": "BTC-USD", "action": "view",
           "key_name": key["key_name"], "key_secret": key["private_key"],
           "customer_jwt": token, "customer_request": "GET /api/v3/brokerage/accounts",
           "rest_base": server.base_url, "ws_market_url": server.ws_market_url,
           "ws_user_url": server.ws_user_url}
    return {"users": accounts, "run": run,
            "cases": [{"pk": pk, "items": items[pk]} for pk in pks if pk in items]}


def _start_web(port: int, folder: Path) -> subprocess.Popen:
    log = open(folder / "web.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--timeout", "30", "--access-logfile", "-"],
        cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"), stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the web server exited:\n" + (folder / "web.log").read_text())
        try:
            requests.get(f"http://127.0.0.1:{port}/login/", timeout=2)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("the web server did not answer within 60 s")


def _stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _locust(port: int, users: int, seconds: int, data: Path, samples: Path, folder: Path):
    args = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"),
            "--headless", "--users", str(users), "--spawn-rate", str(max(1, users // 5)),
            "--run-time", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
            "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
            "--csv", str(folder / "locust")]
    environ = dict(os.environ, LOADTEST_DATA=str(data), LOADTEST_SAMPLES=str(samples))
    with open(folder / "locust.log", "w") as log:
        return subprocess.run(args, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
                              timeout=seconds + 120).returncode


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children."""
    import psutil

    main = psutil.Process(pid)
    total = 0.0
    for process in [main, *main.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def summarise(raw: dict, *, users: int, seconds: int, setup: dict) -> dict:
    def stats(values: list[float]) -> dict:
        ordered = sorted(values)
        return {"requests": len(ordered), "median_ms": round(env.median(ordered), 1),
                "p95_ms": round(env.percentile(ordered, 95), 1),
                "max_ms": round(ordered[-1], 1) if ordered else 0.0}

    samples = raw["samples"]
    by_kind: dict[str, list[float]] = {"page": [], "htmx": []}
    for name, values in samples.items():
        kind = name.split(":", 1)[0]
        if kind in by_kind:
            by_kind[kind] += values
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpus": os.cpu_count(),
        "users": users, "seconds": seconds, **setup,
        "requests": raw["requests"], "failed": raw["failed"], "failures": raw["failures"],
        "throughput_rps": round(raw["requests"] / seconds, 1),
        "by_kind": {kind: stats(values) for kind, values in by_kind.items()},
        "by_name": {name: stats(values) for name, values in sorted(samples.items())},
    }


def markdown(result: dict) -> str:
    lines = [
        f"Load run {result['date']}: {result['users']} simulated agents for "
        f"{result['seconds']} s on {result['cpus']} cores ({result['database']}, broker "
        f"{result['broker']}, gunicorn 4 workers, 1 Celery worker with 4 processes, all on "
        f"loopback): {result['requests']:,} requests, {result['failed']} failed, "
        f"{result['throughput_rps']} requests/s. Machine load average (1 min) "
        f"{result['load_average'][0]} before, {result['load_average'][1]} at the end. CPU "
        "seconds used during the run: " + ", ".join(
            f"{name} {value}" for name, value in result["cpu_seconds"].items())
        + f" (of {result['cpus'] * result['seconds']} on this machine; PostgreSQL and Redis "
        "not counted).",
        "",
        "| Requests | Count | Median | p95 | Max |",
        "|---|---|---|---|---|",
    ]
    rows = [(f"all {k} requests", v) for k, v in result["by_kind"].items()]
    rows += list(result["by_name"].items())
    for name, row in rows:
        lines.append(f"| {name} | {row['requests']:,} | {row['median_ms']} ms | "
                     f"{row['p95_ms']} ms | {row['max_ms']} ms |")
    for failure in result["failures"]:
        lines.append(f"\nFailure: {failure['method']} {failure['name']}: {failure['error']} "
                     f"({failure['occurrences']}×)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--cases", type=int, default=2000)
    options = parser.parse_args(argv)
    setup = env.prepare()
    folder = Path(os.environ["VAR_DIR"])
    data_path, samples_path = folder / "loadtest-data.json", folder / "loadtest-samples.json"
    server = worker = web = None
    try:
        server = env.start_sandbox()
        data_path.write_text(json.dumps(_seed(options.cases, options.users, server)))
        data_path.chmod(0o600)
        worker = env.start_worker("loadtest", concurrency=4)
        port = __import__("sandbox.launcher", fromlist=["free_port"]).free_port()
        web = _start_web(port, folder)
        print(f"== {options.users} agents for {options.seconds} s on http://127.0.0.1:{port} "
              f"({setup['database']}, broker {setup['broker']})", flush=True)
        import resource

        load_before = os.getloadavg()[0]
        tracked = {"web": web.pid, "worker": worker.proc.pid, "sandbox": server.process.pid}
        cpu_before = {name: _cpu_seconds(pid) for name, pid in tracked.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        code = _locust(port, options.users, options.seconds, data_path, samples_path, folder)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {name: round(_cpu_seconds(pid) - cpu_before[name], 1)
               for name, pid in tracked.items()}
        cpu["locust"] = round(after.ru_utime + after.ru_stime - children.ru_utime
                              - children.ru_stime, 1)
        setup["cpu_seconds"] = cpu
        setup["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
        raw = json.loads(samples_path.read_text())
    finally:
        data_path.unlink(missing_ok=True)  # holds the generated passwords and a sandbox key
        for process in (web,):
            if process is not None:
                _stop(process)
        if worker is not None:
            worker.stop()
        if server is not None:
            server.stop()
        env.cleanup()
    result = summarise(raw, users=options.users, seconds=options.seconds, setup=setup)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(markdown(result))
    print(f"\nResults written to {RESULTS.relative_to(ROOT)}; logs in {folder}.")
    return 0 if code == 0 and result["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
