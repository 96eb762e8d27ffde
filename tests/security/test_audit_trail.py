"""Every change to a case, a checklist item, a packet or a review leaves an audit row.

Three trails, each checked through the pages a person uses:
- simple-history copies each saved Case, CaseChecklistItem and Evidence row, with the user
  who made the change (HistoryRequestMiddleware);
- the case timeline names the actor and what changed;
- escalations keep an append-only ReviewEvent per submit, correction, review and export.
An introspection test keeps secret-bearing fields out of every model and history table.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from escalations.models import Escalation, ImmutableError, Packet, ReviewEvent
from tests.fixtures.escalations import all_refs
from triage.models import Case, CaseChecklistItem, Evidence, Scenario, TimelineEvent
from triage.services import checklist_propose

pytestmark = pytest.mark.django_db


def history(model, pk):
    return list(model.history.filter(id=pk).order_by("history_date", "history_id"))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def last_event(case) -> TimelineEvent:
    return case.timeline.order_by("-at", "-pk").first()


def test_case_and_checklist_changes_are_in_history_and_timeline(agent, lead):
    web = client_for(agent)
    scenario = Scenario.objects.get(slug="api-keys-not-working")
    web.post(reverse("triage:case_create"), {
        "scenario": scenario.pk, "subject": "401 on private calls", "priority": "normal",
        "product_id": "BTC-USD", "environment": "production",
    })
    case = Case.objects.get(subject="401 on private calls")
    rows = history(Case, case.pk)
    assert [(r.history_type, r.history_user) for r in rows] == [("+", agent)]
    assert last_event(case).kind == TimelineEvent.Kind.CREATED and last_event(case).actor == agent

    web.post(reverse("triage:case_update", args=[case.pk]), {
        "subject": "401 on private calls", "priority": "high", "product_id": "ETH-USD",
        "environment": "production",
    })
    rows = history(Case, case.pk)
    assert (rows[-1].history_type, rows[-1].history_user, rows[-1].priority) == ("~", agent, "high")
    delta = rows[-1].diff_against(rows[-2])
    assert {c.field for c in delta.changes} >= {"priority", "product_id"}
    assert last_event(case).kind == TimelineEvent.Kind.UPDATED and last_event(case).actor == agent

    to = Case.objects.get(pk=case.pk).allowed_transitions[0]
    client_for(lead).post(reverse("triage:case_transition", args=[case.pk]),
                          {"to": to, "reason": "Taking it"})
    rows = history(Case, case.pk)
    assert (rows[-1].status, rows[-1].history_user) == (to, lead)
    assert last_event(case).kind == TimelineEvent.Kind.STATUS and last_event(case).actor == lead

    item = CaseChecklistItem.objects.filter(case=case).order_by("pk").first()
    web.post(reverse("triage:checklist_item_update", args=[case.pk, item.pk]),
             {"state": "fail", "note": "Clock is 40 s ahead."})
    item_rows = history(CaseChecklistItem, item.pk)
    assert (item_rows[-1].state, item_rows[-1].note, item_rows[-1].history_user) == (
        "fail", "Clock is 40 s ahead.", agent)
    assert last_event(case).actor == agent

    # A diagnostic's proposal is recorded too (an item linked to a check, still pending).
    linked = next(row for row in CaseChecklistItem.objects.filter(case=case, state="pending")
                  .select_related("item") if row.item.check_ids)
    before = len(history(CaseChecklistItem, linked.pk))
    checklist_propose(case=case, check_id=linked.item.check_ids[0], state="pass", note="run 7")
    proposed = history(CaseChecklistItem, linked.pk)
    assert len(proposed) == before + 1 and proposed[-1].diagnostic_state == "pass"

    web.post(reverse("triage:evidence_create", args=[case.pk]), {
        "raw": '{"error":"unauthorized","message":"Unauthorized"}', "kind": "",
    })
    evidence = Evidence.objects.get(case=case)
    assert [(r.history_type, r.history_user) for r in history(Evidence, evidence.pk)] == [
        ("+", agent)]
    assert last_event(case).kind == TimelineEvent.Kind.EVIDENCE

    web.post(reverse("triage:case_note_create", args=[case.pk]), {"text": "Called the customer."})
    assert last_event(case).kind == TimelineEvent.Kind.NOTE
    # Every timeline row written by a person names that person.
    assert not case.timeline.filter(actor__isnull=True).exclude(
        kind=TimelineEvent.Kind.DIAGNOSTIC).exists()


def test_packets_and_reviews_leave_append_only_review_events(escalation_case, agent, lead):
    url = reverse("escalations:packet_builder", args=[escalation_case.pk])
    data = {"refs": all_refs(escalation_case), "summary": "401 everywhere", "steps_tried": "Clock"}
    client_for(agent).post(url, data)
    escalation = Escalation.objects.get(case=escalation_case)
    review = reverse("escalations:escalation_review", args=[escalation.pk])
    client_for(lead).post(review, {"action": "request_info", "comment": "Which key?"})
    client_for(agent).post(url, dict(data, summary="401 everywhere; key is view-only"))
    client_for(lead).post(review, {"action": "acknowledge", "comment": ""})
    client_for(lead).post(review, {"action": "forward", "comment": "ENG-1"})
    packet = Packet.objects.filter(escalation=escalation).order_by("-version").first()
    client_for(agent).get(reverse("escalations:packet_export", args=[packet.pk, "md"]))
    client_for(lead).post(review, {"action": "resolve", "comment": "Fixed scope."})

    events = list(escalation.events.order_by("at", "pk"))
    A = ReviewEvent.Action
    assert [(e.action, e.actor) for e in events] == [
        (A.SUBMITTED, agent), (A.INFO_REQUESTED, lead), (A.CORRECTED, agent),
        (A.ACKNOWLEDGED, lead), (A.FORWARDED, lead), (A.EXPORTED, agent), (A.RESOLVED, lead),
    ]
    assert [e.packet_version for e in events[:3]] == [1, 1, 2]
    assert all(e.to_status for e in events if e.action != A.EXPORTED)
    assert events[1].comment == "Which key?"

    # The trail and the packets cannot be rewritten or removed.
    first = events[0]
    first.comment = "rewritten"
    with pytest.raises(ImmutableError):
        first.save()
    with pytest.raises(ImmutableError):
        ReviewEvent.objects.filter(pk=first.pk).update(comment="x")
    with pytest.raises(ImmutableError):
        ReviewEvent.objects.filter(pk=first.pk).delete()
    with pytest.raises(ImmutableError):
        Packet.objects.filter(escalation=escalation).delete()
    assert ReviewEvent.objects.get(pk=first.pk).comment == ""


# Fields whose names suggest a secret, each with why it holds none.
ALLOWED_SECRET_LIKE_FIELDS = {
    "auth.User.password": "a salted hash (Django)",
    "integrations.IntegrationToken.token_hash": "a SHA-256 of the token; the token is shown once",
    "integrations.WebhookEndpoint.secret_encrypted": "Fernet ciphertext of the signing secret",
    "diagnostics.DiagnosticRun.customer_jwt_unsigned": "header and claims only, no signature",
    "diagnostics.DiagnosticRun.credentials_handle": "a random handle; the secret is elsewhere",
    "practice.PracticeAttempt.sealed_key_secret": "Fernet ciphertext of a sandbox-only key, "
                                                  "wiped when the attempt is submitted",
}
SECRET_LIKE = re.compile(r"secret|password|passwd|private|jwt|token|credential|bearer|api_?key",
                         re.IGNORECASE)


def test_no_model_or_history_table_has_a_secret_bearing_field():
    found = []
    for model in apps.get_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        for field in model._meta.concrete_fields:
            if not SECRET_LIKE.search(field.name):
                continue
            original = label.replace(".Historical", ".")
            if f"{original}.{field.name}" not in ALLOWED_SECRET_LIKE_FIELDS:
                found.append(f"{label}.{field.name}")
    assert not found, f"new secret-like fields; keep secrets out of the database: {found}"
    for path in ALLOWED_SECRET_LIKE_FIELDS:
        app_model, _, field = path.rpartition(".")
        apps.get_model(app_model)._meta.get_field(field)  # no stale entries
