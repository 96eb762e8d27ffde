"""The environment every benchmark runs in: one database, one broker, helpers for a
sandbox and a real worker.

`prepare()` runs once per `make bench`, before Django is set up:

- Database: `DATABASE_URL` when set. Otherwise, when PostgreSQL answers on
  127.0.0.1:5432, a fresh database `bench_<pid>` is created there (and dropped by
  `cleanup()`); with no PostgreSQL, SQLite in `var/bench/run-<pid>/`.
- Broker: `REDIS_URL` when set, else Redis on 127.0.0.1:6379 when it answers, else the
  filesystem broker (see config/broker.py).
- A queue of its own (`bench-<random>`), so a developer's worker never takes bench tasks.
"""

from __future__ import annotations

import os
import socket
import statistics
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
_created_db: str | None = None


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _create_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')


def _drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare() -> dict:
    """Choose database and broker, set Django up, migrate. Returns a description."""
    global _created_db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    var = ROOT / "var" / "bench" / f"run-{os.getpid()}"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("VAR_DIR", str(var))
    os.environ.setdefault("CELERY_TEST_QUEUE", f"bench-{uuid.uuid4().hex[:8]}")
    if not os.environ.get("DATABASE_URL") and _answers("127.0.0.1", 5432):
        name = f"bench_{os.getpid()}"
        try:
            _create_pg_database(name)
        except Exception as exc:  # noqa: BLE001 - a server that refuses us: fall back to SQLite
            print(f"   PostgreSQL answered but refused a bench database ({exc}); using SQLite")
        else:
            _created_db = name
            os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    if not os.environ.get("REDIS_URL") and _answers("127.0.0.1", 6379):
        os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return {"database": "postgresql" if "postgres" in engine else engine,
            "broker": settings.BROKER_MODE}


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def cleanup() -> None:
    from django.db import connections

    connections.close_all()
    if _created_db:
        _drop_pg_database(_created_db)


def start_sandbox(*args: str):
    """A private sandbox subprocess with generous rate limits (benchmarks are not abuse)."""
    from sandbox.launcher import start_sandbox as launch

    folder = Path(tempfile.mkdtemp(prefix="sandbox-", dir=os.environ["VAR_DIR"]))
    return launch(folder, "--private-rate-limit", "1000000", "--public-rate-limit", "1000000",
                  "--ws-unauth-msgs-per-second", "1000", *args)


def start_worker(name: str, *, concurrency: int, extra_env: dict | None = None):
    """A real `celery worker` subprocess on the bench queue, ready when this returns."""
    from django.conf import settings

    from config.celery import app
    from tests.fixtures.worker import WorkerProcess, worker_env

    env = worker_env(**(extra_env or {}))
    log = Path(os.environ["VAR_DIR"]) / f"{name}.log"
    worker = WorkerProcess(env, name, settings.CELERY_TASK_DEFAULT_QUEUE, log,
                           concurrency=concurrency)
    try:
        worker.wait_ready(app)
    except Exception:
        worker.stop()
        raise
    return worker


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else 0.0
