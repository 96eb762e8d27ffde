"""Run services without a worker: start, seal, finish, fail, expire, sweep, report."""

from __future__ import annotations

import stat
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from diagnostics import credentials as vault
from diagnostics import services
from diagnostics.models import CheckRun, DiagnosticRun
from tests.fixtures.diagnostics import broker_is_redis, make_canary
from triage.models import ItemState, TimelineEvent


def start(case, agent, checks, **kwargs) -> DiagnosticRun:
    return services.run_start(case=case, by=agent, checks=checks, **kwargs)


@pytest.fixture
def no_publish(django_capture_on_commit_callbacks):
    """Create runs without publishing them (the on-commit enqueue is captured, not run)."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        yield callbacks


def test_run_start_creates_the_run_and_one_row_per_check(diag_case, agent, testing_checks,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = start(diag_case, agent, ["testing.echo", "testing.sleep", "testing.echo"],
                    product_id="BTC-USD", action="trade", side="BUY", size="0.5")
    assert run.status == DiagnosticRun.Status.PENDING
    assert run.checks == ["testing.echo", "testing.sleep"]
    assert [c.check_id for c in run.check_runs.all()] == ["testing.echo", "testing.sleep"]
    assert {c.status for c in run.check_runs.all()} == {CheckRun.Status.QUEUED}
    assert run.deadline > run.created_at
    assert run.credentials_handle == ""  # nothing to seal
    assert len(callbacks) == 1  # the group is published on commit only


def test_run_start_rejects_unknown_checks(diag_case, agent, no_publish):
    with pytest.raises(ValidationError) as info:
        start(diag_case, agent, ["no.such.check"])
    assert "no.such.check" in str(info.value)
    assert not DiagnosticRun.objects.exists()


def test_run_start_needs_a_key_name_with_a_secret(diag_case, agent, testing_checks, no_publish):
    with pytest.raises(ValidationError):
        start(diag_case, agent, ["testing.echo"], key_secret="x" * 40)


def test_secret_is_sealed_outside_the_database(diag_case, agent, testing_checks, no_publish,
                                               settings):
    canary = make_canary()
    run = start(diag_case, agent, ["testing.echo"], key_name=canary.key_name,
                key_secret=canary.key_secret, customer_jwt=canary.jwt)
    run.refresh_from_db()
    assert run.key_prefix == canary.key_name.rsplit("/", 1)[1][:8]
    header, claims, _ = canary.jwt.split(".")
    assert run.customer_jwt_unsigned == f"{header}.{claims}"
    assert run.credentials_handle
    row = DiagnosticRun.objects.filter(pk=run.pk).values().get()
    assert not canary.hits(repr(row))
    payload = vault.credentials_open(handle=run.credentials_handle)
    assert payload["key_secret"] == canary.key_secret
    assert payload["customer_jwt"] == canary.jwt
    if broker_is_redis():
        client = vault._redis()
        key = vault.REDIS_PREFIX + run.credentials_handle
        stored = client.get(key)
        assert 0 < client.ttl(key) <= settings.DIAGNOSTICS_CREDENTIALS_TTL
    else:
        path = Path(settings.VAR_DIR) / "diagnostics-credentials" / run.credentials_handle
        stored = path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stored.startswith(b"gAAAA")  # a Fernet token
    assert not canary.hits(stored.decode())


def test_sealed_credentials_expire(diag_case, agent, testing_checks, no_publish, settings):
    settings.DIAGNOSTICS_CREDENTIALS_TTL = 60
    run = start(diag_case, agent, ["testing.echo"], key_name="organizations/o/apiKeys/k",
                key_secret="s" * 44)
    later = time.time() + 61
    with mock.patch("cryptography.fernet.time.time", return_value=later):
        with pytest.raises(vault.CredentialsExpired):
            vault.credentials_open(handle=run.credentials_handle)


def test_finishing_discards_the_credentials(diag_case, agent, testing_checks, no_publish):
    run = start(diag_case, agent, ["testing.echo"], key_name="organizations/o/apiKeys/k",
                key_secret="s" * 44)
    handle = run.credentials_handle
    run.check_runs.update(status=CheckRun.Status.PASS, summary="ok")
    assert services.run_finish_if_complete(run_id=run.pk) is True
    assert services.run_finish_if_complete(run_id=run.pk) is False  # exactly one winner
    run.refresh_from_db()
    assert run.status == DiagnosticRun.Status.DONE and run.credentials_handle == ""
    with pytest.raises(vault.CredentialsExpired):
        vault.credentials_open(handle=handle)


def test_run_is_not_finished_while_a_check_is_running(diag_case, agent, testing_checks,
                                                      no_publish):
    run = start(diag_case, agent, ["testing.echo", "testing.sleep"])
    run.check_runs.filter(check_id="testing.echo").update(status=CheckRun.Status.PASS)
    run.check_runs.filter(check_id="testing.sleep").update(status=CheckRun.Status.RUNNING)
    assert services.run_finish_if_complete(run_id=run.pk) is False
    assert DiagnosticRun.objects.get(pk=run.pk).status == DiagnosticRun.Status.PENDING


def test_results_propose_checklist_states_and_reach_the_timeline(diag_case, agent, no_publish,
                                                                  testing_checks):
    run = start(diag_case, agent, ["testing.echo", "testing.sleep"])
    # Results as the workers would store them, for checks linked to the case's items.
    run.check_runs.filter(check_id="testing.echo").update(
        check_id="key.format", status=CheckRun.Status.FAIL, codes=["KEY_FORMAT_WRONG_TYPE"],
        summary="The secret is an RSA key.",
    )
    run.check_runs.filter(check_id="testing.sleep").update(
        check_id="jwt.inspect", status=CheckRun.Status.PASS, summary="Token is valid."
    )
    assert services.run_finish_if_complete(run_id=run.pk)
    items = {row.item.key: row for row in diag_case.checklist_items.select_related("item")}
    key_item = next(r for r in items.values() if "key.format" in r.item.check_ids)
    jwt_item = next(r for r in items.values() if "jwt.inspect" in r.item.check_ids)
    assert key_item.state == ItemState.FAIL and key_item.set_by_diagnostic
    assert key_item.diagnostic_run_id == run.pk
    assert "KEY_FORMAT_WRONG_TYPE" in key_item.diagnostic_note
    assert jwt_item.state == ItemState.PASS
    event = diag_case.timeline.filter(kind=TimelineEvent.Kind.DIAGNOSTIC,
                                      summary__startswith=f"Diagnostic run #{run.pk}").get()
    assert "KEY_FORMAT_WRONG_TYPE" in event.summary and event.actor == agent


def test_agent_decision_is_not_overridden(diag_case, agent, no_publish, testing_checks):
    from triage.services import checklist_item_set

    row = next(r for r in diag_case.checklist_items.select_related("item")
               if "key.format" in r.item.check_ids)
    checklist_item_set(case_item=row, by=agent, state=ItemState.PASS)
    run = start(diag_case, agent, ["testing.echo"])
    run.check_runs.update(check_id="key.format", status=CheckRun.Status.FAIL)
    services.run_finish_if_complete(run_id=run.pk)
    row.refresh_from_db()
    assert row.state == ItemState.PASS and row.diagnostic_state == ItemState.FAIL


def test_overdue_run_fails_with_the_checks_that_did_not_finish(diag_case, agent, no_publish,
                                                               testing_checks):
    run = start(diag_case, agent, ["testing.echo", "testing.sleep"])
    run.check_runs.filter(check_id="testing.echo").update(status=CheckRun.Status.PASS)
    run.check_runs.filter(check_id="testing.sleep").update(status=CheckRun.Status.RUNNING)
    DiagnosticRun.objects.filter(pk=run.pk).update(status=DiagnosticRun.Status.RUNNING)
    assert services.run_expire_if_overdue(run_id=run.pk) is False  # not yet due
    DiagnosticRun.objects.filter(pk=run.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert services.runs_sweep() == 1
    run.refresh_from_db()
    assert run.status == DiagnosticRun.Status.FAILED
    assert "testing.sleep" in run.failure_reason and "deadline" in run.failure_reason
    sleep = run.check_runs.get(check_id="testing.sleep")
    assert sleep.status == CheckRun.Status.ERROR and "Did not finish" in sleep.summary
    assert run.check_runs.get(check_id="testing.echo").status == CheckRun.Status.PASS
    assert services.runs_sweep() == 0


def test_a_run_no_worker_picked_up_says_so(diag_case, agent, no_publish, testing_checks):
    run = start(diag_case, agent, ["testing.echo"])
    DiagnosticRun.objects.filter(pk=run.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert services.run_expire_if_overdue(run_id=run.pk)
    run.refresh_from_db()
    assert "No worker picked up" in run.failure_reason


def test_unsigned_token_never_keeps_a_signature():
    canary = make_canary()
    kept = services.unsigned_token(canary.jwt)
    assert kept.count(".") == 1 and canary.signature not in kept
    assert services.unsigned_token("not a token") == ""


def test_broker_down_with_credentials_keeps_nothing(diag_case, agent, testing_checks,
                                                    broker_down, no_publish):
    began = time.monotonic()
    with pytest.raises(services.QueueUnavailable):
        start(diag_case, agent, ["testing.echo"], key_name="organizations/o/apiKeys/k",
              key_secret="s" * 44)
    assert time.monotonic() - began < 5
    assert not DiagnosticRun.objects.exists()


def test_broker_down_marks_the_run_failed(diag_case, agent, testing_checks, broker_down,
                                          django_capture_on_commit_callbacks):
    began = time.monotonic()
    with pytest.raises(services.QueueUnavailable):
        with django_capture_on_commit_callbacks(execute=True):
            start(diag_case, agent, ["testing.echo"])
    assert time.monotonic() - began < 5
    run = DiagnosticRun.objects.get()
    assert run.status == DiagnosticRun.Status.FAILED
    assert "queue is unavailable" in run.failure_reason
