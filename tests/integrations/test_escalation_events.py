"""Escalation changes and finished runs reach the integrations without the apps importing it."""

import pytest

from escalations.services import escalation_review, escalation_submit
from integrations.models import WebhookDelivery
from integrations.webhooks import EVENTS, webhook_endpoint_create
from tests.fixtures.escalations import add_check_runs, all_refs, canary_kit
from triage.models import Scenario
from triage.services import case_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint():
    endpoint, _secret = webhook_endpoint_create(
        name="Tracker", url="https://hooks.example.com/at", events=list(EVENTS)
    )
    return endpoint


def events():
    return list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True))


def submit(case, agent):
    return escalation_submit(
        case=case, by=agent, refs=all_refs(case), summary="401 on every call.",
        steps_tried="Synced the clock.", gap_reason="Customer unreachable.",
    )


def test_escalated_returned_and_resolved_are_delivered(endpoint, escalation_case, agent, lead):
    packet = submit(escalation_case, agent)
    escalation = packet.escalation
    escalation_review(escalation=escalation, by=lead, action="request_info", comment="Order id?")
    submit(escalation_case, agent)
    escalation_review(escalation=escalation, by=lead, action="resolve", comment="Fixed upstream.")
    assert events() == ["case.escalated", "packet.returned", "packet.resolved"]
    payload = WebhookDelivery.objects.get(event="packet.returned").payload
    assert payload["data"]["case"] == escalation_case.reference
    assert payload["data"]["comment"] == "Order id?"
    assert payload["data"]["key_prefix"] == escalation_case.key_prefix
    assert "BEGIN" not in str(payload)


def test_practice_escalations_send_nothing(endpoint, escalation_case, agent):
    escalation_case.is_practice = True
    escalation_case.save()
    submit(escalation_case, agent)
    assert events() == []


def test_third_key_prefix_failing_the_same_way_fires_the_radar(endpoint, agent):
    scenario = Scenario.objects.get(slug="api-keys-not-working")
    for n in range(3):
        kit = canary_kit()  # a fresh key per case: three distinct key prefixes
        case = case_create(
            subject=f"401 #{n}", scenario=scenario, created_by=agent,
            key_prefix=kit.key_name, product_id="BTC-USD",
        )
        add_check_runs(case, token=kit.jwt)
        submit(case, agent)
    fired = WebhookDelivery.objects.filter(event="incident.radar_fired")
    assert fired.count() >= 1
    data = fired.first().payload["data"]
    assert len(data["key_prefixes"]) == 3
    assert events().count("case.escalated") == 3


@pytest.mark.worker
def test_a_finished_run_is_matched_against_signatures_by_the_worker(
    transactional_db, worker_process, escalation_case
):
    """The run-finished event makes a real worker match the run's captured 401."""
    import time

    from django.db import transaction

    from diagnostics.models import DiagnosticRun
    from diagnostics.signals import run_finished
    from integrations.models import SignatureMatch

    run = DiagnosticRun.objects.filter(case=escalation_case).first()
    with transaction.atomic():
        run_finished.send(sender=DiagnosticRun, run_id=run.pk)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if SignatureMatch.objects.filter(case=escalation_case).exists():
            break
        time.sleep(0.2)
    matched = SignatureMatch.objects.filter(case=escalation_case).exists()
    assert matched, worker_process.log()[-2000:]
