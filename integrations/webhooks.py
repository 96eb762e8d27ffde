"""Outbound webhooks: signed event notifications with retries and a delivery log.

Other apps call `emit(event, payload)`. It is safe inside a transaction: delivery rows are
written in the caller's transaction and the sends are enqueued only when it commits (a
rolled-back escalation notifies nobody).

Each request is a JSON POST carrying:
- `X-Triage-Event`: the event name, e.g. `case.escalated`;
- `X-Triage-Delivery`: the delivery id (a replay gets a new id);
- `X-Triage-Timestamp`: Unix seconds when the attempt was signed;
- `X-Triage-Signature`: `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<body>"` keyed with
  the endpoint's secret.
A 2xx answer is success. Anything else (or no answer within the timeout) is retried with
exponential backoff and jitter, up to `WEBHOOK_MAX_ATTEMPTS` attempts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import time
from datetime import timedelta

import requests
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.models import WebhookDelivery, WebhookEndpoint
from triage.redaction import redact_data, redact_text

EVENTS = tuple(WebhookEndpoint.Event.values)
SEND_TIMEOUT = (3.05, 10)
CLAIM_STALE_AFTER = timedelta(minutes=2)
# Below the broker visibility timeout, so a waiting retry is never redelivered early.
MAX_BACKOFF_SECONDS = 600.0


def retry_base_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 10.0))


def max_attempts() -> int:
    return int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 6))


def backoff_seconds(attempt: int) -> float:
    """Wait before attempt `attempt + 1`: base × 2^(attempt−1), capped, with jitter
    on the upper half so retries from many deliveries spread out."""
    ceiling = min(MAX_BACKOFF_SECONDS, retry_base_seconds() * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"webhooks:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return _fernet().decrypt(endpoint.secret_encrypted.encode()).decode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    try:
        expected = sign(secret, int(timestamp), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signature or "")


@transaction.atomic
def webhook_endpoint_create(*, name: str, url: str, events: list[str], by=None,
                            secret: str = "") -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns it with its signing secret (shown to the lead once)."""
    secret = secret or secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        name=name, url=url, events=list(events or []),
        secret_encrypted=_fernet().encrypt(secret.encode()).decode(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, secret


def emit(event: str, payload: dict) -> list[WebhookDelivery]:
    """Queue `event` for every active endpoint subscribed to it.

    The payload is redacted and wrapped as `{"event", "id", "occurred_at", "data"}`.
    Deliveries are sent after the surrounding transaction commits.
    """
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}; known: {', '.join(EVENTS)}")
    from integrations.tasks import webhook_delivery_send_task

    with transaction.atomic():
        endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True)
                     if event in (e.events or [])]
        deliveries = []
        data = redact_data(json.loads(json.dumps(payload, default=str)))
        for endpoint in endpoints:
            delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, payload={})
            delivery.payload = {
                "event": event,
                "id": delivery.pk,
                "occurred_at": timezone.now().isoformat().replace("+00:00", "Z"),
                "data": data,
            }
            delivery.save(update_fields=["payload"])
            deliveries.append(delivery)
            webhook_delivery_send_task.delay_on_commit(delivery_id=delivery.pk)
    return deliveries


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, by=None) -> WebhookDelivery:
    """Send a past delivery's payload again, as a new delivery in the log."""
    from integrations.tasks import webhook_delivery_send_task

    replay = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint, event=delivery.event, payload={}, replay_of=delivery
    )
    replay.payload = {**delivery.payload, "id": replay.pk, "replay_of": delivery.pk}
    replay.save(update_fields=["payload"])
    webhook_delivery_send_task.delay_on_commit(delivery_id=replay.pk)
    return replay


def _claim(delivery_id: int) -> bool:
    stale = timezone.now() - CLAIM_STALE_AFTER
    return bool(
        WebhookDelivery.objects.filter(
            Q(status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING])
            | Q(status=WebhookDelivery.Status.SENDING, claimed_at__lt=stale),
            pk=delivery_id,
        ).update(status=WebhookDelivery.Status.SENDING, claimed_at=timezone.now())
    )


def webhook_delivery_attempt(*, delivery_id: int) -> float | None:
    """Make one attempt. Returns seconds to wait before the next one, or None when done.

    Idempotent: a delivery already sent, failed for good or being sent by another worker
    is left alone.
    """
    if not _claim(delivery_id):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "triage-webhooks/1",
        "X-Triage-Event": delivery.event,
        "X-Triage-Delivery": str(delivery.pk),
        "X-Triage-Timestamp": str(timestamp),
        "X-Triage-Signature": sign(endpoint_secret(delivery.endpoint), timestamp, body),
    }
    status_code, error, excerpt = None, "", ""
    started = time.monotonic()
    with requests.Session() as session:
        session.trust_env = False  # never through an environment proxy
        try:
            response = session.post(delivery.endpoint.url, data=body, headers=headers,
                                    timeout=SEND_TIMEOUT, allow_redirects=False)
            status_code, excerpt = response.status_code, response.text[:300]
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
    attempt = delivery.attempts + 1
    ok = status_code is not None and 200 <= status_code < 300
    if status_code is not None and not ok:
        error = f"HTTP {status_code}"
    log = [*delivery.attempt_log, {
        "attempt": attempt, "at": timezone.now().isoformat(), "status_code": status_code,
        "error": redact_text(error)[:200], "ms": round((time.monotonic() - started) * 1000),
    }]
    wait = None if ok or attempt >= max_attempts() else backoff_seconds(attempt)
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        attempts=attempt,
        attempt_log=log,
        last_status_code=status_code,
        last_error=redact_text(error)[:300],
        response_excerpt=redact_text(excerpt),
        status=(WebhookDelivery.Status.SUCCEEDED if ok else WebhookDelivery.Status.FAILED
                if wait is None else WebhookDelivery.Status.RETRYING),
        delivered_at=now if ok else None,
        next_attempt_at=now + timedelta(seconds=wait) if wait is not None else None,
    )
    return wait


def validate_event(value: str) -> None:
    if value not in EVENTS:
        raise ValidationError(f"Unknown event {value!r}.")
