"""Submitting, correcting and reviewing escalations; immutability; the audit trail."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from escalations.exports import packet_validate
from escalations.models import (
    Escalation,
    ImmutableError,
    Notification,
    Packet,
    ReviewEvent,
)
from escalations.services import escalation_review, escalation_submit, packet_draft
from escalations.workflow import WorkflowError
from tests.fixtures.escalations import REQUEST_ID, all_refs
from triage.models import Case

pytestmark = pytest.mark.django_db

SUMMARY = "Every private call answers 401 although the token inspects clean."
STEPS = "Regenerated the key; synced the clock; checked the host."


def submit(case, agent, **kwargs):
    values = dict(refs=all_refs(case), summary=SUMMARY, steps_tried=STEPS)
    values.update(kwargs)
    return escalation_submit(case=case, by=agent, **values)


def test_submit_builds_a_complete_valid_packet(
    escalation_case, agent, lead, django_capture_on_commit_callbacks
):
    lead.email = "lead@example.com"
    lead.save()
    with django_capture_on_commit_callbacks(execute=True):
        packet = submit(escalation_case, agent)
    doc = packet.document
    packet_validate(doc)
    assert doc["completeness"]["missing"] == []
    assert {i["key"] for i in doc["completeness"]["items"] if i["state"] == "present"} == {
        "key_prefix",
        "portfolio_id",
        "product_pair",
        "rest_exchange",
        "correlation_ids",
        "timestamps",
        "ws_endpoint",
        "ws_channels",
        "jwt_issued_at",
        "ws_samples",
    }
    assert REQUEST_ID in doc["correlation_ids"]
    assert doc["websocket"]["endpoint"] == "wss://advanced-trade-ws-user.coinbase.com"
    assert doc["websocket"]["jwt_issued_at"].endswith("Z")
    assert doc["codes"] == ["KEY_UNAUTHORIZED", "WS_AUTH_FAILED"]
    auth = doc["criteria"][0]
    assert auth["key"] == "auth_failures_valid_tokens" and auth["met"] is True
    assert auth["reason"].startswith("Authentication failed in 3 runs or pasted exchanges")
    escalation = packet.escalation
    assert escalation.status == Escalation.Status.SUBMITTED
    assert escalation.key_prefix == doc["context"]["key_prefix"] and len(escalation.key_prefix) <= 8
    escalation_case.refresh_from_db()
    assert escalation_case.status == Case.Status.ESCALATED
    assert Notification.objects.filter(recipient=lead, kind="new").count() == 1
    assert len(mail.outbox) == 1 and "CASE-" in mail.outbox[0].subject
    assert ReviewEvent.objects.get(escalation=escalation).action == "submitted"


def test_fail_gaps_without_a_reason(escalation_case, agent):
    with pytest.raises(ValidationError) as error:
        submit(escalation_case, agent, refs=[])
    assert "gap_reason" in error.value.message_dict
    assert "Full REST request/response with headers" in error.value.message_dict["gap_reason"][0]
    assert not Escalation.objects.exists()
    packet = submit(escalation_case, agent, refs=[], gap_reason="Customer sent nothing more.")
    assert packet.document["completeness"]["gap_reason"] == "Customer sent nothing more."


def test_fail_a_secret_in_the_summary_is_refused_with_where(escalation_case, agent, canary):
    with pytest.raises(ValidationError) as error:
        submit(escalation_case, agent, summary=f"key is\n{canary.key_secret}")
    assert "$.summary" in error.value.messages[0]
    assert not Packet.objects.exists()


def test_correction_is_a_new_version_and_packets_are_immutable(escalation_case, agent, lead):
    first = submit(escalation_case, agent)
    escalation_review(
        escalation=first.escalation, by=lead, action="request_info", comment="Attach the order id."
    )
    escalation_case.refresh_from_db()
    assert escalation_case.status == Case.Status.DIAGNOSING
    assert Notification.objects.filter(recipient=agent, kind="returned").exists()
    second = submit(escalation_case, agent, steps_tried=STEPS + " Order id 123.")
    assert (first.escalation_id, second.version) == (second.escalation_id, 2)
    assert second.document["packet"]["previous_hash"] == first.content_hash
    escalation = Escalation.objects.get()
    assert escalation.status == Escalation.Status.SUBMITTED and escalation.returned_count == 1
    first.refresh_from_db()
    assert first.document["steps_tried"] == STEPS
    first.document["summary"] = "edited"
    with pytest.raises(ImmutableError):
        first.save()
    with pytest.raises(ImmutableError):
        Packet.objects.filter(pk=first.pk).update(document={})
    with pytest.raises(ImmutableError):
        first.delete()
    with pytest.raises(ImmutableError):
        ReviewEvent.objects.all().delete()


def test_review_transitions_are_enforced_and_audited(escalation_case, agent, lead):
    escalation = submit(escalation_case, agent).escalation
    with pytest.raises(WorkflowError):
        escalation_review(escalation=escalation, by=lead, action="request_info", comment="")
    escalation_review(escalation=escalation, by=lead, action="acknowledge")
    with pytest.raises(WorkflowError):
        escalation_review(escalation=escalation, by=lead, action="acknowledge")
    escalation_review(escalation=escalation, by=lead, action="forward", comment="ENG-42")
    escalation_review(escalation=escalation, by=lead, action="resolve", comment="Fixed upstream")
    with pytest.raises(WorkflowError):
        escalation_review(escalation=escalation, by=lead, action="forward")
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.RESOLVED and escalation.resolved_at
    trail = list(
        ReviewEvent.objects.filter(escalation=escalation)
        .order_by("at", "pk")
        .values_list("actor__username", "action", "from_status", "to_status")
    )
    assert trail == [
        ("agent1", "submitted", "", "submitted"),
        ("lead1", "acknowledged", "submitted", "acknowledged"),
        ("lead1", "forwarded", "acknowledged", "forwarded"),
        ("lead1", "resolved", "forwarded", "resolved"),
    ]
    escalation_case.refresh_from_db()
    assert escalation_case.status == Case.Status.RESOLVED


def test_fail_agent_cannot_review(escalation_case, agent):
    escalation = submit(escalation_case, agent).escalation
    with pytest.raises(PermissionError):
        escalation_review(escalation=escalation, by=agent, action="acknowledge")


def test_practice_case_escalation_is_flagged(escalation_case, agent, lead):
    Case.objects.filter(pk=escalation_case.pk).update(is_practice=True)
    escalation_case.refresh_from_db()
    packet = submit(escalation_case, agent)
    assert packet.escalation.is_practice is True
    assert not Notification.objects.filter(recipient=lead).exists()


def test_draft_writes_nothing(escalation_case, agent):
    doc = packet_draft(case=escalation_case, by=agent, refs=[], summary="", steps_tried="")
    assert doc["rest_exchanges"] == [] and doc["findings"]
    assert not Escalation.objects.exists()
