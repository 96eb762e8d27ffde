"""Celery tasks for diagnostic runs: transport only, ids in, nothing secret out.

Every task is idempotent (the service claims rows with conditional UPDATEs), so late
acknowledgement is safe: a check whose worker process dies is redelivered and taken over.
Queue and time limits are set per message when a run starts (see `services.task_options`).
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready


@shared_task(
    name="diagnostics.check_run_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=95,
    time_limit=105,
)
def check_run_execute_task(check_run_id: int) -> None:
    """Run one check of a diagnostic run."""
    from diagnostics import services

    try:
        services.check_run_execute(check_run_id=check_run_id)
    except SoftTimeLimitExceeded:
        services.check_run_abandon(
            check_run_id=check_run_id,
            reason="The check ran past its time limit and was stopped.",
        )


@shared_task(name="diagnostics.run_watchdog", acks_late=True, ignore_result=True,
             soft_time_limit=30, time_limit=40)
def run_watchdog_task(run_id: int) -> None:
    """At a run's deadline: fail it, naming the checks that did not finish."""
    from diagnostics import services

    services.run_expire_if_overdue(run_id=run_id)


@shared_task(name="diagnostics.runs_sweep", acks_late=True, ignore_result=True,
             soft_time_limit=60, time_limit=75)
def runs_sweep_task() -> None:
    """Fail every overdue run (watchdogs lost with a killed worker) and expired secrets."""
    from diagnostics import services

    services.runs_sweep()


@worker_ready.connect
def _sweep_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker that starts (for example after a crash) sweeps overdue runs first."""
    from django.conf import settings

    queue = getattr(settings, "DIAGNOSTICS_QUEUE", "") or None
    runs_sweep_task.apply_async(queue=queue)

