"""A canary secret and a whole signed JWT go through every check on a real worker; none of
their forms may then be found in the database, the broker, the result backend, the
worker's log, the web process's log or the pages."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse

from diagnostics import credentials as vault
from diagnostics.checks import CHECK_ORDER
from diagnostics.models import CheckRun, DiagnosticRun
from tests.fixtures.diagnostics import (
    broker_is_redis,
    make_canary,
    make_case,
    sandbox_targets,
    start_diagnostics_worker,
    stop_worker,
    wait_run_finished,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(180),
]
WHOLE_JWT = re.compile(r"eyJ[\w-]{2,}\.eyJ[\w-]{2,}\.[\w-]{20,}")


@pytest.fixture(scope="module")
def canary_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A worker logging at DEBUG, with the test-only crashing and leaking checks."""
    queue = f"canary-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        worker = start_diagnostics_worker(tmp_path_factory.mktemp("canary"),
                                          name=f"canary-{queue}", queue=queue, log_level="DEBUG")
    worker.queue = queue
    try:
        yield worker
    finally:
        stop_worker(worker)


def dump_database() -> str:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            parts.append(f"{table}: {cursor.fetchall()!r}")
    return "\n".join(parts)


def dump_broker() -> str:
    """Every key and value in Redis, or every file of the filesystem broker and store."""
    if broker_is_redis():
        client = vault._redis()
        parts = []
        for key in client.scan_iter(count=1000):
            kind = client.type(key).decode()
            value = {
                "string": lambda k: client.get(k),
                "list": lambda k: client.lrange(k, 0, -1),
                "hash": lambda k: client.hgetall(k),
                "set": lambda k: client.smembers(k),
                "zset": lambda k: client.zrange(k, 0, -1),
            }.get(kind, lambda k: b"")(key)
            parts.append(f"{key!r} {value!r}")
        return "\n".join(parts)
    var = Path(settings.VAR_DIR)
    folders = [var / "celery", var / "diagnostics-credentials"]
    return "\n".join(
        path.read_bytes().decode(errors="replace")
        for folder in folders if folder.exists()
        for path in folder.rglob("*") if path.is_file()
    )


def test_canary_is_found_nowhere(sandbox, agent, agent_client, canary_worker, settings,
                                 testing_checks, caplog):
    caplog.set_level("DEBUG")
    settings.DIAGNOSTICS_QUEUE = canary_worker.queue
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "500", "BTC": "0.01"})
    canary = make_canary(key_name=key["key_name"], key_secret=key["private_key"],
                         uri=f"GET {sandbox.host}/api/v3/brokerage/accounts")
    case = make_case(by=agent, product_id="BTC-USD")
    checks = [*CHECK_ORDER, "testing.crash", "testing.leak"]
    form = {"checks": checks, "product_id": "BTC-USD", "action": "trade", "side": "BUY",
            "size": "1", "key_name": canary.key_name, "key_secret": canary.key_secret,
            "customer_jwt": canary.jwt, "customer_request": "GET /api/v3/brokerage/accounts",
            **sandbox_targets(sandbox)}
    url = reverse("diagnostics:run_create", args=[case.pk])
    runs = []
    for revoked in (False, True):  # a working key, then Coinbase answering 401
        if revoked:
            sandbox.control.set_faults(revoked_keys=[key["key_name"]])
        response = agent_client.post(url, form)
        assert response.status_code == 302, response.content.decode()[:500]
        runs.append(wait_run_finished(DiagnosticRun.objects.order_by("-pk").first(), 90))

    for run in runs:
        print(run.pk, (run.finished_at - run.started_at).total_seconds(),
              dict(run.check_runs.values_list("check_id", "duration_ms")))
        assert run.status == DiagnosticRun.Status.DONE, run.failure_reason
        statuses = dict(run.check_runs.values_list("check_id", "status"))
        assert set(statuses) == set(checks)
        assert CheckRun.Status.QUEUED not in statuses.values()
        assert statuses["testing.crash"] == CheckRun.Status.ERROR
    assert "KEY_UNAUTHORIZED" in runs[1].check_runs.get(check_id="key.permissions").codes

    pages = "\n".join(
        agent_client.get(page).content.decode()
        for page in (runs[0].get_absolute_url(), runs[1].get_absolute_url(),
                     reverse("triage:case_detail", args=[case.pk]), url)
    )
    database = dump_database()
    stores = {
        "database": database,
        "broker and result backend": dump_broker(),
        "worker log": canary_worker.log(),
        "web log": caplog.text,
        "pages": pages,
        "mail": "\n".join(message.message().as_string() for message in mail.outbox),
    }
    assert canary.key_name.split("/")[1] in database  # the scan does see the run's data
    assert canary.hits(f"x{canary.key_secret}x") and canary.hits(canary.signature)
    for where, text in stores.items():
        assert canary.hits(text) == [], f"canary found in the {where}"
    assert WHOLE_JWT.search(database) is None, "a signed JWT reached the database"
