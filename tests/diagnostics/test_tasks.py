"""Check tasks through a real worker process: fan-out, claims, crashes, kills, deadlines."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from diagnostics import credentials as vault
from diagnostics import services
from diagnostics.models import CheckRun, DiagnosticRun
from diagnostics.tasks import check_run_execute_task
from tests.fixtures.diagnostics import (
    make_canary,
    make_case,
    start_diagnostics_worker,
    stop_worker,
    wait_for,
    wait_run_finished,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(120),
]


@pytest.fixture
def tcase(agent):
    return make_case(by=agent, product_id="BTC-USD")


def start(case, agent, checks, **kwargs) -> DiagnosticRun:
    return services.run_start(case=case, by=agent, checks=checks, **kwargs)


def check(run, check_id) -> CheckRun:
    return run.check_runs.get(check_id=check_id)


def test_checks_fan_out_in_parallel_and_a_crash_is_an_error(tcase, agent, testing_checks,
                                                           diagnostics_queue):
    canary = make_canary()
    run = start(tcase, agent, ["testing.sleep", "testing.nap", "testing.echo", "testing.crash"],
                size="2", key_name=canary.key_name, key_secret=canary.key_secret)
    handle = run.credentials_handle
    wait_run_finished(run)
    assert run.status == DiagnosticRun.Status.DONE
    assert check(run, "testing.sleep").status == CheckRun.Status.PASS
    assert check(run, "testing.nap").status == CheckRun.Status.PASS
    echo = check(run, "testing.echo")
    assert echo.details["received_chars"] == len(canary.key_secret)  # decrypted in the worker
    crash = check(run, "testing.crash")
    assert crash.status == CheckRun.Status.ERROR and "blew up" in crash.summary
    assert not canary.hits(crash.summary)
    # Two 2-second checks ran side by side: the run took about as long as one of them.
    elapsed = (run.finished_at - run.started_at).total_seconds()
    assert elapsed < 3.6, elapsed
    assert run.delivery_count == 4
    assert run.credentials_handle == ""
    with pytest.raises(vault.CredentialsExpired):
        vault.credentials_open(handle=handle)


def test_a_duplicate_delivery_is_a_no_op(tcase, agent, testing_checks, diagnostics_queue,
                                         settings):
    run = start(tcase, agent, ["testing.sleep"], size="1.5")
    sleep = check(run, "testing.sleep")
    # The same message delivered again while the first delivery is still running.
    check_run_execute_task.apply_async(kwargs={"check_run_id": sleep.pk},
                                       queue=settings.DIAGNOSTICS_QUEUE)
    wait_run_finished(run)
    check_run_execute_task.apply_async(kwargs={"check_run_id": sleep.pk},
                                       queue=settings.DIAGNOSTICS_QUEUE)
    time.sleep(1)
    sleep.refresh_from_db()
    assert sleep.status == CheckRun.Status.PASS
    assert sleep.delivery_count == 1
    assert DiagnosticRun.objects.get(pk=run.pk).status == DiagnosticRun.Status.DONE


def test_a_killed_pool_process_is_redelivered_and_finishes(tcase, agent, testing_checks,
                                                           diagnostics_queue):
    run = start(tcase, agent, ["testing.sleep", "testing.echo"], size="3")
    sleep = check(run, "testing.sleep")

    def claimed_pid():
        sleep.refresh_from_db()
        return sleep.status == CheckRun.Status.RUNNING and int(sleep.claimed_by.rsplit(":")[1])

    pid = wait_for(claimed_pid, 20, message="the sleep check never started")
    os.kill(pid, signal.SIGKILL)
    wait_run_finished(run, timeout=40)
    sleep.refresh_from_db()
    assert run.status == DiagnosticRun.Status.DONE
    assert sleep.status == CheckRun.Status.PASS
    assert sleep.delivery_count == 2
    assert int(sleep.claimed_by.rsplit(":")[1]) != pid


def test_a_check_that_keeps_killing_its_process_ends_as_an_error(tcase, agent, testing_checks,
                                                                diagnostics_queue):
    run = start(tcase, agent, ["testing.exit", "testing.echo"])
    wait_run_finished(run, timeout=60)
    exiting = check(run, "testing.exit")
    assert run.status == DiagnosticRun.Status.DONE
    assert exiting.status == CheckRun.Status.ERROR
    assert "stopped its worker process 3 times" in exiting.summary
    assert exiting.delivery_count == services.MAX_DELIVERIES + 1


def test_expired_credentials_turn_credential_checks_into_errors(tcase, agent, testing_checks,
                                                                diagnostics_queue):
    with transaction.atomic():
        run = start(tcase, agent, ["testing.echo", "testing.sleep"], size="0.1",
                    key_name="organizations/o/apiKeys/k", key_secret="s" * 44)
        vault.credentials_discard(handle=run.credentials_handle)  # as if the TTL had passed
    wait_run_finished(run)
    echo = check(run, "testing.echo")
    assert echo.status == CheckRun.Status.ERROR
    assert "expired" in echo.summary and "enter them again" in echo.summary
    assert check(run, "testing.sleep").status == CheckRun.Status.PASS


def test_the_watchdog_fails_a_run_at_its_deadline(tcase, agent, testing_checks,
                                                  diagnostics_queue, settings):
    settings.DIAGNOSTICS_RUN_DEADLINE_SECONDS = 2
    run = start(tcase, agent, ["testing.stubborn", "testing.sleep"], size="0.2")
    wait_run_finished(run, timeout=30)
    assert run.status == DiagnosticRun.Status.FAILED
    assert "deadline" in run.failure_reason and "testing.stubborn" in run.failure_reason
    assert check(run, "testing.sleep").status == CheckRun.Status.PASS
    assert check(run, "testing.stubborn").status == CheckRun.Status.ERROR
    assert (run.finished_at - run.created_at).total_seconds() < 15


def test_a_killed_worker_never_leaves_a_run_running(tcase, agent, testing_checks, settings,
                                                    tmp_path):
    queue = f"diag-kill-{uuid.uuid4().hex[:8]}"
    settings.DIAGNOSTICS_QUEUE = queue
    settings.DIAGNOSTICS_RUN_DEADLINE_SECONDS = 3
    worker = start_diagnostics_worker(tmp_path, name=f"kill-{queue}", queue=queue)
    restarted = None
    try:
        run = start(tcase, agent, ["testing.sleep"], size="20")
        sleep = check(run, "testing.sleep")

        def running():
            sleep.refresh_from_db()
            return sleep.status == CheckRun.Status.RUNNING

        wait_for(running, 20, message="the check never started")
        os.killpg(worker.proc.pid, signal.SIGKILL)  # the whole worker, parent and children
        worker.proc.wait()
        wait_for(lambda: timezone.now() > run.deadline, 10)
        restarted = start_diagnostics_worker(tmp_path, name=f"again-{queue}", queue=queue)
        wait_run_finished(run, timeout=30)  # swept by the worker as it starts
        assert run.status == DiagnosticRun.Status.FAILED
        assert "testing.sleep" in run.failure_reason
        assert check(run, "testing.sleep").status == CheckRun.Status.ERROR
    finally:
        worker.stop()
        if restarted:
            stop_worker(restarted)


def test_runs_work_again_when_the_broker_returns(tcase, agent, testing_checks,
                                                 diagnostics_queue, settings, monkeypatch):
    from config.celery import app
    from tests.fixtures.diagnostics import _dead_redis_url

    saved = settings.BROKER_MODE, settings.REDIS_URL
    dead = _dead_redis_url()
    with monkeypatch.context() as outage:
        settings.BROKER_MODE, settings.REDIS_URL = "redis", dead
        outage.setitem(app.conf, "broker_url", dead)
        outage.setitem(app.conf, "broker_transport_options", {"socket_connect_timeout": 1})
        with pytest.raises(services.QueueUnavailable):
            start(tcase, agent, ["testing.sleep"], size="0.1")
        failed = DiagnosticRun.objects.get(case=tcase)
        assert failed.status == DiagnosticRun.Status.FAILED
    settings.BROKER_MODE, settings.REDIS_URL = saved
    run = start(tcase, agent, ["testing.sleep"], size="0.1")  # no restart in between
    wait_run_finished(run)
    assert run.status == DiagnosticRun.Status.DONE
