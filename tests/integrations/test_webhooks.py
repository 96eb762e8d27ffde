"""Webhooks end to end: emit on commit, a real worker, a real receiver on loopback."""

import json
import time

import pytest
from django.db import transaction

from integrations.models import WebhookDelivery
from integrations.webhooks import (
    backoff_seconds,
    emit,
    verify,
    webhook_delivery_attempt,
    webhook_delivery_replay,
    webhook_endpoint_create,
)
from tests.integrations.receiver import start_receiver


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


def wait_status(delivery_id: int, status: str, timeout: float = 30.0) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status == status:
            return delivery
        time.sleep(0.1)
    raise AssertionError(f"delivery {delivery_id} is {delivery.status}, not {status}")


def assert_signed(received, secret: str, event: str) -> dict:
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["x-triage-event"] == event
    assert verify(secret, headers["x-triage-timestamp"], received.body,
                  headers["x-triage-signature"])
    assert not verify("another-secret", headers["x-triage-timestamp"], received.body,
                      headers["x-triage-signature"])
    return json.loads(received.body)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_signed_delivery_survives_two_500s(worker_process, receiver, jwt_for):
    endpoint, secret = webhook_endpoint_create(
        name="Tracker", url=receiver.url, events=["case.escalated", "packet.resolved"]
    )
    receiver.answers = [500, 500]
    token = jwt_for("5e1c7a2b-0000-0000-0000-000000000000")
    with transaction.atomic():
        (delivery,) = emit("case.escalated", {"case": "CASE-000042", "note": f"jwt {token}"})
        time.sleep(0.3)
        assert receiver.received == []  # nothing leaves before the commit
    delivered = wait_status(delivery.pk, WebhookDelivery.Status.SUCCEEDED)
    received = receiver.wait_for(3)
    assert [r.answered for r in received] == [500, 500, 200]
    bodies = [assert_signed(r, secret, "case.escalated") for r in received]
    assert bodies[0] == bodies[2]
    assert bodies[0]["data"]["case"] == "CASE-000042"
    assert token.rsplit(".", 1)[1] not in received[0].body.decode()
    assert [a["status_code"] for a in delivered.attempt_log] == [500, 500, 200]
    assert delivered.attempts == 3 and delivered.delivered_at is not None
    first_gap, second_gap = (received[1].at - received[0].at, received[2].at - received[1].at)
    assert first_gap >= 0.1 and second_gap >= 0.2  # base 0.2 s, doubled, half-jittered

    replay = webhook_delivery_replay(delivery=delivered)
    wait_status(replay.pk, WebhookDelivery.Status.SUCCEEDED)
    body = assert_signed(receiver.wait_for(4)[3], secret, "case.escalated")
    assert body["replay_of"] == delivered.pk and body["id"] == replay.pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rolled_back_emit_sends_nothing(receiver):
    webhook_endpoint_create(name="Tracker", url=receiver.url, events=["case.escalated"])
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("case.escalated", {"case": "CASE-000001"})
        raise RuntimeError("escalation failed")
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_only_subscribed_active_endpoints_get_events(receiver):
    webhook_endpoint_create(name="A", url=receiver.url, events=["packet.returned"])
    inactive, _ = webhook_endpoint_create(name="B", url=receiver.url,
                                          events=["packet.returned"])
    inactive.is_active = False
    inactive.save()
    webhook_endpoint_create(name="C", url=receiver.url, events=["incident.radar_fired"])
    deliveries = emit("packet.returned", {"escalation": 7})
    assert [d.endpoint.name for d in deliveries] == ["A"]
    with pytest.raises(ValueError, match="Unknown webhook event"):
        emit("case.deleted", {})


@pytest.mark.django_db
def test_attempts_stop_after_the_limit(receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    endpoint, secret = webhook_endpoint_create(name="A", url=receiver.url,
                                               events=["packet.resolved"])
    receiver.answers = [503] * 5
    (delivery,) = emit("packet.resolved", {"escalation": 7})
    waits = [webhook_delivery_attempt(delivery_id=delivery.pk) for _ in range(3)]
    assert waits[0] is not None and waits[1] is not None and waits[2] is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 503)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None  # nothing more to do
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_unreachable_endpoint_is_recorded_and_retried(settings):
    endpoint, _ = webhook_endpoint_create(name="Down", url="http://127.0.0.1:9/hooks",
                                          events=["case.escalated"])
    (delivery,) = emit("case.escalated", {"case": "CASE-000001"})
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is not None
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and "ConnectionError" in delivery.last_error


def test_backoff_grows_exponentially_with_jitter(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    for attempt, ceiling in ((1, 10), (2, 20), (3, 40), (10, 600)):
        samples = [backoff_seconds(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples)
        assert len(set(samples)) > 1


@pytest.mark.django_db
def test_secret_is_encrypted_at_rest(receiver):
    endpoint, secret = webhook_endpoint_create(name="A", url=receiver.url,
                                               events=["case.escalated"])
    assert secret not in endpoint.secret_encrypted
