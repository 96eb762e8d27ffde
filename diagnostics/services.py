"""Diagnostic runs: start, execute one check, finish, expire.

A run fans out into one Celery task per check (a `group`), so the run takes about as
long as its slowest check. Each task carries a CheckRun id only, claims its row with a
conditional UPDATE (a duplicate delivery is a no-op; a delivery after the claiming
process died takes over), and the last check to end finishes the run. A watchdog task,
the periodic sweep and a worker starting up mark any run still unfinished after its
deadline as failed, with the reason, so a run is never left "running".
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from diagnostics import credentials as vault
from diagnostics.checks.base import CHECKS, CheckResult, Credentials, RunContext, Status
from diagnostics.models import CheckRun, DiagnosticRun
from triage.redaction import key_prefix, redact_data, redact_text

logger = logging.getLogger(__name__)

MAX_DELIVERIES = 3
UNFINISHED = [DiagnosticRun.Status.PENDING, DiagnosticRun.Status.RUNNING]
QUEUE_UNAVAILABLE = (
    "The diagnostics queue is unavailable, so the run could not start. "
    "Try again in a minute; if it persists, tell the on-call engineer."
)
CREDENTIALS_EXPIRED = (
    "The key secret or token entered for this run expired before this check ran "
    "(they are kept for a few minutes only). Start a new run and enter them again."
)
# Checks that read the customer's pasted token, which travels sealed with the secret.
TOKEN_CHECKS = {"jwt.inspect", "jwt.clock_skew"}
# Checks that listen on a stream for seconds; published first.
SLOW_CHECKS = {"ws.market", "ws.user", "rate_limit", "orders.history"}
# The check knobs a run may set, each with its validator.
OPTIONS = {
    "level2": lambda v: isinstance(v, bool),
    "ws_user_reproduce": lambda v: v in ("no_jwt", "expired_jwt"),
    "jwt_use": lambda v: v in ("rest", "ws"),
    "page_limit": lambda v: isinstance(v, int) and 1 <= v <= 250,
    "max_pages": lambda v: isinstance(v, int) and 1 <= v <= 100,
    "ws_seconds": lambda v: isinstance(v, (int, float)) and 0 < v <= 30,
    "rate_probe_calls": lambda v: isinstance(v, int) and 1 <= v <= 20,
    "server_time": lambda v: isinstance(v, int) and v > 0,
}


class QueueUnavailable(Exception):
    """The broker (or the credentials store beside it) cannot be reached."""

    def __init__(self, message: str = QUEUE_UNAVAILABLE):
        super().__init__(message)


def deadline_seconds() -> int:
    return int(getattr(settings, "DIAGNOSTICS_RUN_DEADLINE_SECONDS", 90))


def task_options() -> dict:
    """Queue and time limits for one check task, read when a run starts."""
    soft = deadline_seconds() + 5
    options = {"soft_time_limit": soft, "time_limit": soft + 10}
    queue = getattr(settings, "DIAGNOSTICS_QUEUE", "")
    if queue:
        options["queue"] = queue
    return options


def unsigned_token(token: str) -> str:
    """header.claims of a pasted JWT: the signature is never stored."""
    parts = (token or "").strip().split(".")
    kept = ".".join(parts[:2]) if len(parts) >= 2 else ""
    return redact_text(kept)[:4000]


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_is_gone(worker_id: str) -> bool:
    """True when a claim belongs to a process on this host that no longer exists."""
    import psutil

    host, _, pid = worker_id.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not psutil.pid_exists(int(pid))


# --- start -------------------------------------------------------------------------------


@sensitive_variables("key_secret", "customer_jwt", "payload")
def run_start(
    *,
    case,
    by,
    checks: list[str],
    key_name: str = "",
    key_secret: str = "",
    customer_jwt: str = "",
    public_key_pem: str = "",
    customer_request: str = "",
    customer_time: int | None = None,
    customer_ip: str = "",
    key_allowed_ips: list[str] | None = None,
    long_run: bool = False,
    options: dict | None = None,
    product_id: str = "",
    portfolio_id: str = "",
    action: str = DiagnosticRun.Action.VIEW,
    side: str = "",
    size: str = "",
    rest_base: str = "",
    ws_market_url: str = "",
    ws_user_url: str = "",
) -> DiagnosticRun:
    """Create a run and its checks, seal the credentials, enqueue the checks on commit.

    Raises ValidationError for unknown checks and QueueUnavailable when the broker or
    the credentials store cannot be reached (nothing is kept in that case).
    """
    unknown = [c for c in checks if c not in CHECKS]
    if not checks or unknown:
        raise ValidationError(
            {"checks": f"Unknown checks: {', '.join(unknown)}" if unknown else "Pick a check."}
        )
    if key_secret and not key_name:
        raise ValidationError({"key_name": "Enter the key name that goes with the secret."})
    options = dict(options or {})
    bad = [name for name, value in options.items()
           if name not in OPTIONS or not OPTIONS[name](value)]
    if bad:
        raise ValidationError({"options": f"Unknown or invalid options: {', '.join(bad)}"})
    checks = list(dict.fromkeys(checks))
    now = timezone.now()
    run = DiagnosticRun(
        case=case, requested_by=by, checks=checks,
        rest_base=rest_base or settings.COINBASE_REST_BASE,
        ws_market_url=ws_market_url or settings.COINBASE_WS_MARKET_URL,
        ws_user_url=ws_user_url or settings.COINBASE_WS_USER_URL,
        product_id=product_id, portfolio_id=str(portfolio_id or ""), action=action,
        side=side, size=str(size or ""), key_prefix=key_prefix(key_name).prefix,
        customer_jwt_unsigned=unsigned_token(customer_jwt),
        customer_request=customer_request, customer_time=customer_time,
        customer_ip=customer_ip or None, key_allowed_ips=list(key_allowed_ips or []),
        long_run=long_run, options=options, created_at=now,
        deadline=now + timedelta(seconds=deadline_seconds()),
    )
    run.full_clean()
    payload = {
        name: value
        for name, value in (("key_name", key_name), ("key_secret", key_secret),
                            ("customer_jwt", customer_jwt), ("public_key_pem", public_key_pem))
        if value
    }
    with transaction.atomic():
        run.save()
        CheckRun.objects.bulk_create(
            CheckRun(run=run, check_id=check_id, position=index)
            for index, check_id in enumerate(checks)
        )
        if payload:
            try:
                run.credentials_handle = vault.credentials_seal(payload=payload)
            except vault.CredentialsStoreUnavailable:
                raise QueueUnavailable() from None
            run.save(update_fields=["credentials_handle"])
        transaction.on_commit(partial(_enqueue, run_id=run.pk))
    return run


def _enqueue(*, run_id: int) -> None:
    """Publish one task per check as a group, plus the run's watchdog."""
    from celery import group
    from kombu.exceptions import KombuError, OperationalError

    from config.celery import app
    from diagnostics.tasks import check_run_execute_task, run_watchdog_task

    # Signatures bound to the project's app explicitly, whichever app is "current".
    execute, watchdog = app.tasks[check_run_execute_task.name], app.tasks[run_watchdog_task.name]
    options = task_options()
    rows = CheckRun.objects.filter(run_id=run_id).values_list("pk", "check_id")
    # The slowest checks go first, so they never wait behind quick ones for a free slot.
    ids = [pk for pk, check_id in sorted(rows, key=lambda row: row[1] not in SLOW_CHECKS)]
    retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                    "interval_max": 0.5}
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)
            producer = app.amqp.Producer(connection)
            group(
                [execute.si(check_run_id=pk).set(**options) for pk in ids], app=app
            ).apply_async(producer=producer, retry=True, retry_policy=retry_policy)
            watchdog.si(run_id=run_id).set(
                countdown=deadline_seconds() + 3, queue=options.get("queue")
            ).apply_async(producer=producer, retry=True, retry_policy=retry_policy)
    except (OperationalError, KombuError, OSError):
        logger.warning("diagnostic run %s: the broker is unavailable", run_id)
        run_fail(run_id=run_id, reason=QUEUE_UNAVAILABLE)
        raise QueueUnavailable() from None


# --- execute one check -------------------------------------------------------------------


def check_run_execute(*, check_run_id: int) -> None:
    """Claim one check, run it, store its redacted result, finish the run if last."""
    check_run = CheckRun.objects.select_related("run").filter(pk=check_run_id).first()
    if check_run is None or check_run.run.is_finished:
        return
    worker = _worker_id()
    now = timezone.now()
    lease = timedelta(seconds=task_options()["time_limit"])
    claimable = Q(status=CheckRun.Status.QUEUED) | Q(
        status=CheckRun.Status.RUNNING, started_at__lt=now - lease
    )
    if check_run.status == CheckRun.Status.RUNNING and _process_is_gone(check_run.claimed_by):
        claimable |= Q(status=CheckRun.Status.RUNNING, claimed_by=check_run.claimed_by)
    claimed = CheckRun.objects.filter(claimable, pk=check_run_id).update(
        status=CheckRun.Status.RUNNING, started_at=now, claimed_by=worker,
        delivery_count=F("delivery_count") + 1,
    )
    if not claimed:
        return
    run_id = check_run.run_id
    DiagnosticRun.objects.filter(pk=run_id).update(delivery_count=F("delivery_count") + 1)
    DiagnosticRun.objects.filter(pk=run_id, status=DiagnosticRun.Status.PENDING).update(
        status=DiagnosticRun.Status.RUNNING, started_at=now
    )
    check_run.refresh_from_db()
    if check_run.delivery_count > MAX_DELIVERIES:
        result = CheckResult(
            check_run.check_id, Status.ERROR,
            f"This check stopped its worker process {MAX_DELIVERIES} times and was not "
            "tried again.",
            advice="Report this run to the diagnostics engineers.",
        )
    else:
        result = _execute(check_run)
    _record(check_run_id=check_run_id, worker=worker, result=result)
    run_finish_if_complete(run_id=run_id)


@sensitive_variables("sealed", "ctx")
def _execute(check_run: CheckRun) -> CheckResult:
    from diagnostics.checks import run_check

    run = check_run.run
    spec = CHECKS.get(check_run.check_id)
    sealed: dict[str, str] = {}
    if run.credentials_handle:
        try:
            sealed = vault.credentials_open(handle=run.credentials_handle)
        except vault.CredentialsExpired:
            uses_token = check_run.check_id in TOKEN_CHECKS and run.customer_jwt_unsigned
            if (spec and spec.needs_credentials) or uses_token:
                return CheckResult(check_run.check_id, Status.ERROR, CREDENTIALS_EXPIRED)
    remaining = (run.deadline - timezone.now()).total_seconds()
    ctx = RunContext(
        rest_base=run.rest_base, ws_market_url=run.ws_market_url, ws_user_url=run.ws_user_url,
        product_id=run.product_id, portfolio_id=run.portfolio_id, action=run.action,
        side=run.side, size=run.size, customer_jwt=sealed.get("customer_jwt", ""),
        customer_request=run.customer_request, customer_time=run.customer_time,
        public_key_pem=sealed.get("public_key_pem", ""),
        customer_ip=run.customer_ip or "", key_allowed_ips=list(run.key_allowed_ips or []),
        long_run=run.long_run, options=dict(run.options or {}),
        credentials=Credentials(sealed["key_name"], sealed["key_secret"])
        if sealed.get("key_name") and sealed.get("key_secret") else None,
        deadline=time.monotonic() + max(1.0, remaining - 1.0),
    )
    return run_check(check_run.check_id, ctx)


def _record(*, check_run_id: int, worker: str, result: CheckResult) -> None:
    data = redact_data(result.to_dict())
    CheckRun.objects.filter(
        pk=check_run_id, status=CheckRun.Status.RUNNING, claimed_by=worker
    ).update(
        status=data["status"],
        codes=[str(code) for code in data.get("codes") or []],
        summary=str(data.get("summary") or "")[:500],
        details=data.get("details") or {},
        advice=str(data.get("advice") or ""),
        duration_ms=max(0, round(float(data.get("duration_ms") or 0))),
        evidence=data.get("evidence") or [],
        finished_at=timezone.now(),
    )


def check_run_abandon(*, check_run_id: int, reason: str) -> None:
    """Record an error for a check whose task is giving up (soft time limit)."""
    CheckRun.objects.filter(pk=check_run_id, status__in=CheckRun.ACTIVE).update(
        status=CheckRun.Status.ERROR, summary=reason[:500], finished_at=timezone.now()
    )
    run_id = CheckRun.objects.filter(pk=check_run_id).values_list("run_id", flat=True).first()
    if run_id:
        run_finish_if_complete(run_id=run_id)


# --- finish ------------------------------------------------------------------------------


def run_finish_if_complete(*, run_id: int) -> bool:
    """Mark the run done when no check is queued or running. Exactly one caller wins."""
    if CheckRun.objects.filter(run_id=run_id, status__in=CheckRun.ACTIVE).exists():
        return False
    _discard_credentials(run_id=run_id)  # no check needs them any more
    with transaction.atomic():
        won = DiagnosticRun.objects.filter(pk=run_id, status__in=UNFINISHED).update(
            status=DiagnosticRun.Status.DONE, finished_at=timezone.now(), credentials_handle=""
        )
        if won:
            _report(run_id=run_id)
    return bool(won)


def run_fail(*, run_id: int, reason: str) -> bool:
    """Mark an unfinished run failed; unfinished checks become errors. Idempotent."""
    now = timezone.now()
    _discard_credentials(run_id=run_id)  # checks still running have lost the race anyway
    with transaction.atomic():
        won = DiagnosticRun.objects.filter(pk=run_id, status__in=UNFINISHED).update(
            status=DiagnosticRun.Status.FAILED, finished_at=now, failure_reason=reason[:500],
            credentials_handle="",
        )
        if won:
            CheckRun.objects.filter(run_id=run_id, status__in=CheckRun.ACTIVE).update(
                status=CheckRun.Status.ERROR, finished_at=now,
                summary="Did not finish: " + reason[:480],
            )
            _report(run_id=run_id)
    return bool(won)


def run_expire_if_overdue(*, run_id: int) -> bool:
    """Fail a run that is still unfinished after its deadline, naming what did not end."""
    run = DiagnosticRun.objects.filter(
        pk=run_id, status__in=UNFINISHED,
        deadline__lt=timezone.now(),
    ).first()
    if run is None:
        return False
    stuck = list(
        CheckRun.objects.filter(run_id=run_id, status__in=CheckRun.ACTIVE)
        .values_list("check_id", flat=True)
    )
    limit = deadline_seconds()
    if run.status == DiagnosticRun.Status.PENDING:
        reason = (f"No worker picked up this run within its {limit} s deadline: "
                  "check that the diagnostics workers are running, then start a new run.")
    else:
        reason = (f"Stopped at its {limit} s deadline: {len(stuck)} check(s) did not finish "
                  f"({', '.join(stuck)}). The worker running them may have stopped or been "
                  "overloaded; start a new run.")
    return run_fail(run_id=run_id, reason=reason)


def runs_sweep() -> int:
    """Fail every overdue run and drop expired credentials. Returns runs failed."""
    overdue = DiagnosticRun.objects.filter(
        status__in=UNFINISHED, deadline__lt=timezone.now()
    ).values_list("pk", flat=True)
    failed = sum(run_expire_if_overdue(run_id=pk) for pk in list(overdue))
    vault.credentials_purge_expired()
    return failed


def _discard_credentials(*, run_id: int) -> None:
    handle = DiagnosticRun.objects.filter(pk=run_id).values_list(
        "credentials_handle", flat=True
    ).first()
    if handle:
        vault.credentials_discard(handle=handle)


def _report(*, run_id: int) -> None:
    from diagnostics.reporting import run_report

    run_report(run_id=run_id)
