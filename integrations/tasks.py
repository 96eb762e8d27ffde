"""Celery tasks for integrations: ids in, one service call, nothing else.

Bound to the project's Celery app (not `shared_task`), so they publish to its broker and
queue whichever app happens to be "current".
"""

from __future__ import annotations

from config.celery import app


@app.task(name="integrations.evidence_import_analyze", acks_late=True, ignore_result=True,
             soft_time_limit=120, time_limit=150)
def evidence_import_analyze_task(import_id: int) -> None:
    """Analyse a large evidence import (pagination, rate limits, known errors)."""
    from integrations.services import evidence_import_analyze

    evidence_import_analyze(import_id=import_id)


@app.task(name="integrations.signature_match_evidence", acks_late=True, ignore_result=True,
             soft_time_limit=30, time_limit=45)
def signature_match_evidence_task(evidence_id: int) -> None:
    """Match one pasted piece of evidence against the error-signature library."""
    from integrations.signatures import signature_match_evidence

    signature_match_evidence(evidence_id=evidence_id)


@app.task(name="integrations.signature_match_run", acks_late=True, ignore_result=True,
             soft_time_limit=30, time_limit=45)
def signature_match_run_task(run_id: int) -> None:
    """Match a finished diagnostic run's captured evidence against the signature library."""
    from integrations.signatures import signature_match_run

    signature_match_run(run_id=run_id)


@app.task(name="integrations.signature_match_recent_runs", acks_late=True,
             ignore_result=True, soft_time_limit=60, time_limit=75)
def signature_match_recent_runs_task() -> None:
    """Periodic sweep (celery beat): match recently finished diagnostic runs."""
    from integrations.signatures import signature_match_recent_runs

    signature_match_recent_runs()


@app.task(name="integrations.webhook_delivery_send", bind=True, acks_late=True,
             ignore_result=True, soft_time_limit=30, time_limit=45, max_retries=None)
def webhook_delivery_send_task(self, delivery_id: int) -> None:
    """One delivery attempt; schedules the next one with backoff while it keeps failing."""
    from integrations.webhooks import webhook_delivery_attempt

    wait = webhook_delivery_attempt(delivery_id=delivery_id)
    if wait is not None:
        raise self.retry(countdown=wait)
