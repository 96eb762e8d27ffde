"""Practice pages with the test client: full pages, htmx partials, roles and bad input."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from practice.models import AttemptStatus, PracticeAttempt, PracticeScenario
from practice.services import attempt_assign, attempt_begin, attempt_submit
from triage.models import Case

pytestmark = pytest.mark.django_db


def scenario(slug: str) -> PracticeScenario:
    return PracticeScenario.objects.get(slug=slug)


def test_practice_page_lists_the_library(agent_client):
    response = agent_client.get(reverse("practice:practice_home"))
    assert response.status_code == 200
    assert b"<html" in response.content
    for row in PracticeScenario.objects.all():
        assert row.title.encode() in response.content
    assert b"Assign a scenario" not in response.content


def test_practice_page_htmx_returns_my_attempts_only(agent_client):
    response = agent_client.get(reverse("practice:practice_home"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'id="my-attempts"' in response.content
    assert b"<html" not in response.content
    assert b"Scenario library" not in response.content


def test_nav_links_to_practice(agent_client):
    response = agent_client.get(reverse("triage:case_list"))
    assert reverse("practice:practice_home").encode() in response.content


def test_lead_assigns_and_agent_sees_it(client, lead, agent):
    client.force_login(lead)
    target = scenario("funds-on-hold")
    response = client.post(reverse("practice:attempt_assign"),
                           {"scenario": target.pk, "trainee": agent.pk})
    assert response.status_code == 302
    assert response.url == reverse("practice:practice_dashboard")
    attempt = PracticeAttempt.objects.get()
    assert (attempt.trainee, attempt.assigned_by, attempt.status) == (
        agent, lead, AttemptStatus.ASSIGNED)
    client.force_login(agent)
    page = client.get(reverse("practice:practice_home"))
    assert b"assigned by lead1" in page.content
    assert reverse("practice:attempt_start", args=[attempt.pk]).encode() in page.content


def test_fail_assign_bad_input_is_shown_next_to_the_field(lead_client):
    response = lead_client.post(reverse("practice:attempt_assign"), {"scenario": "999999"})
    assert response.status_code == 422
    assert b"field-error" in response.content
    assert not PracticeAttempt.objects.exists()


def test_fail_agent_cannot_assign_or_see_the_dashboard(agent_client, agent):
    assert agent_client.post(reverse("practice:attempt_assign"),
                             {"scenario": scenario("funds-on-hold").pk,
                              "trainee": agent.pk}).status_code == 403
    assert agent_client.get(reverse("practice:practice_dashboard")).status_code == 403


def test_fail_another_agent_cannot_open_someone_elses_attempt(client, agent, other_agent):
    attempt = attempt_assign(scenario=scenario("funds-on-hold"), trainee=agent)
    client.force_login(other_agent)
    assert client.get(reverse("practice:attempt_scorecard", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("practice:attempt_start", args=[attempt.pk])).status_code == 404


def test_fail_start_with_the_sandbox_down_shows_a_message(agent_client, settings):
    from tests.fixtures.sandbox import free_port

    settings.SANDBOX_URL = f"http://127.0.0.1:{free_port()}"
    response = agent_client.post(
        reverse("practice:scenario_start", args=[scenario("keys-old-issuer").pk]), follow=True
    )
    assert response.status_code == 200
    assert b"could not set up this scenario" in response.content
    assert not Case.objects.filter(is_practice=True).exists()


@pytest.mark.sandbox
def test_practice_case_page_shows_the_badge_ticket_and_redacted_token(
    agent_client, agent, practice_sandbox
):
    attempt = attempt_begin(scenario=scenario("keys-query-in-uri"), trainee=agent)
    response = agent_client.get(attempt.case.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "PRACTICE" in content
    assert escape(attempt.scenario.ticket_text) in content
    assert reverse("practice:attempt_diagnose", args=[attempt.pk]) in content
    assert "[REDACTED-SIGNATURE]" in content
    # The practice case stays out of the real case list.
    listing = agent_client.get(reverse("triage:case_list"))
    assert attempt.case.reference.encode() not in listing.content


@pytest.mark.sandbox
def test_real_case_page_has_no_practice_panel(agent_client, agent):
    from triage.models import Scenario
    from triage.services import case_create

    case = case_create(subject="Real", scenario=Scenario.objects.first(), created_by=agent)
    response = agent_client.get(case.get_absolute_url())
    assert response.status_code == 200
    assert b"practice-panel" not in response.content


@pytest.mark.sandbox
def test_fail_submit_escalation_without_criterion(agent_client, agent, practice_sandbox):
    attempt = attempt_begin(scenario=scenario("keys-old-issuer"), trainee=agent)
    url = reverse("practice:attempt_submit", args=[attempt.pk])
    response = agent_client.post(url, {"decision": "escalate", "note": "please look"})
    assert response.status_code == 422
    assert b"Say which escalation criterion applies." in response.content
    response = agent_client.post(url, {"decision": "escalate", "note": "please look"},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert b'id="submit-form"' in response.content and b"<html" not in response.content
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ACTIVE


@pytest.mark.sandbox
def test_dashboard_shows_scores_and_most_missed(lead_client, agent, practice_sandbox):
    for codes in ([], ["JWT_BAD_ISS"]):
        attempt = attempt_begin(scenario=scenario("keys-old-issuer"), trainee=agent)
        attempt_submit(attempt=attempt, by=agent, decision="resolve", identified_codes=codes,
                       note="Use iss=cdp.")
    response = lead_client.get(reverse("practice:practice_dashboard"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "agent1" in content
    assert "JWT_BAD_ISS</code> — missed 1 time" in content
    assert scenario("keys-old-issuer").title in content


def _submitted_attempts(trainee, n):
    from django.utils import timezone

    for i in range(n):
        attempt = attempt_assign(scenario=scenario("keys-old-issuer"), trainee=trainee)
        PracticeAttempt.objects.filter(pk=attempt.pk).update(
            status=AttemptStatus.SUBMITTED, score=50 + i, submitted_at=timezone.now(),
            score_breakdown={"missed_codes": ["JWT_BAD_ISS"], "decision_correct": True},
        )


def test_dashboard_and_practice_page_query_counts_do_not_grow(client, lead, agent, other_agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url, user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    dashboard, home = reverse("practice:practice_dashboard"), reverse("practice:practice_home")
    _submitted_attempts(agent, 1)
    before = count(dashboard, lead), count(home, agent)
    _submitted_attempts(agent, 4)
    _submitted_attempts(other_agent, 3)
    assert (count(dashboard, lead), count(home, agent)) == before


@pytest.mark.sandbox
def test_submit_with_htmx_redirects_the_browser_to_the_scorecard(agent_client, agent,
                                                                  practice_sandbox):
    attempt = attempt_begin(scenario=scenario("keys-old-issuer"), trainee=agent)
    response = agent_client.post(
        reverse("practice:attempt_submit", args=[attempt.pk]),
        {"decision": "resolve", "identified_codes": ["JWT_BAD_ISS"], "note": "Use iss=cdp."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("practice:attempt_scorecard", args=[attempt.pk])
    page = agent_client.get(response["HX-Redirect"])
    assert b"right call" in page.content


@pytest.mark.sandbox
def test_agent_starts_an_assigned_scenario(client, lead, agent, practice_sandbox):
    attempt = attempt_assign(scenario=scenario("funds-on-hold"), trainee=agent, assigned_by=lead)
    client.force_login(agent)
    response = client.post(reverse("practice:attempt_start", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ACTIVE
    assert response.url == attempt.case.get_absolute_url()
    again = client.post(reverse("practice:attempt_start", args=[attempt.pk]), follow=True)
    assert b"already been started" in again.content
