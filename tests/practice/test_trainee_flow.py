"""A trainee's whole exercise with the test client, diagnostics through a real worker."""

import time

import pytest
from django.urls import reverse
from django.utils.html import escape

from diagnostics.models import DiagnosticRun
from practice.models import PracticeAttempt, PracticeScenario
from triage.models import CaseChecklistItem, EscalationCriterion

pytestmark = [pytest.mark.worker, pytest.mark.sandbox]


def wait_finished(run: DiagnosticRun, seconds: float = 60) -> DiagnosticRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run.pk} still {run.status}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_trainee_starts_triages_submits_and_reads_what_was_missed(
    worker_process, practice_sandbox, agent_client, agent
):
    scenario = PracticeScenario.objects.get(slug="keys-query-in-uri")
    home = agent_client.get(reverse("practice:practice_home"))
    assert scenario.title.encode() in home.content

    # Start: the practice case opens, marked as practice, with the customer's ticket.
    response = agent_client.post(reverse("practice:scenario_start", args=[scenario.pk]))
    attempt = PracticeAttempt.objects.get(trainee=agent)
    assert response.url == attempt.case.get_absolute_url()
    page = agent_client.get(response.url).content.decode()
    assert "PRACTICE" in page and escape(scenario.ticket_text) in page

    # Walk one checklist item, as the trainee would on the case page.
    row = CaseChecklistItem.objects.get(case=attempt.case, item__key="auth-jwt-claims")
    agent_client.post(reverse("triage:checklist_item_update", args=[attempt.case.pk, row.pk]),
                      {"state": "fail"})
    row.refresh_from_db()
    assert row.state == "fail"

    # Diagnose with the customer's key and token; the worker runs the real check.
    response = agent_client.post(reverse("practice:attempt_diagnose", args=[attempt.pk]),
                                 {"checks": ["jwt.inspect"]})
    run = DiagnosticRun.objects.get(case=attempt.case)
    assert response.url == run.get_absolute_url()
    run = wait_finished(run)
    submit_url = reverse("practice:attempt_submit", args=[attempt.pk])
    assert b"JWT_URI_HAS_QUERY" in agent_client.get(submit_url).content

    # Submit the wrong call without naming the finding.
    response = agent_client.post(submit_url, {
        "decision": "escalate",
        "criterion": EscalationCriterion.objects.get(key="auth_failures_valid_tokens").pk,
        "note": "Fills endpoint seems broken for this customer.",
    })
    assert response.url == reverse("practice:attempt_scorecard", args=[attempt.pk])
    card = agent_client.get(response.url).content.decode()
    assert "wrong call" in card
    assert "You did not name <code>JWT_URI_HAS_QUERY</code>" in card
    assert "The right outcome was to <strong>resolve with advice</strong>" in card
    assert escape(scenario.teaching_notes) in card
    assert "Covered 1 of 3 checklist items" in card
    assert "Confirm API key id/secret validity and permissions" in card  # a missed item

    attempt.refresh_from_db()
    assert attempt.case.status == "resolved"
    assert attempt.sealed_key_secret == ""
    assert attempt.score < 50
