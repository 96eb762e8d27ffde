"""Practice services against the real sandbox and the real database."""

import pytest
from django.core.exceptions import ValidationError

from practice.models import AttemptStatus, PracticeAttempt, PracticeScenario
from practice.provision import ProvisionError
from practice.sealing import unseal
from practice.services import (
    AttemptError,
    attempt_assign,
    attempt_begin,
    attempt_customer_token,
    attempt_start,
    attempt_submit,
)
from tests.fixtures.sandbox import free_port
from triage.models import Case, TimelineEvent

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]


def scenario(slug: str) -> PracticeScenario:
    return PracticeScenario.objects.get(slug=slug)


def test_begin_opens_an_isolated_practice_case(practice_sandbox, agent):
    attempt = attempt_begin(scenario=scenario("pagination-429-storm"), trainee=agent)
    case = attempt.case
    assert attempt.status == AttemptStatus.ACTIVE
    assert case.is_practice is True
    assert case.environment == Case.Environment.SANDBOX
    assert case.assignee == agent
    assert case.external_ticket == f"PRACTICE-{attempt.pk}"
    assert case.checklist_items.exists()
    assert case.timeline.filter(kind=TimelineEvent.Kind.OTHER).exists()
    # The key's private half is sealed, never stored in the clear.
    assert "PRIVATE KEY" not in attempt.sealed_key_secret
    assert unseal(attempt.sealed_key_secret).startswith("-----BEGIN")
    state = practice_sandbox.control.state()
    assert state["faults"]["per_key"][attempt.sandbox_key_name] == {"rate_limit_storm": True}
    assert state["faults"]["global"] == {}


def test_fail_starting_twice(practice_sandbox, agent):
    attempt = attempt_assign(scenario=scenario("keys-old-issuer"), trainee=agent)
    attempt_start(attempt=attempt, by=agent)
    with pytest.raises(AttemptError, match="already been started"):
        attempt_start(attempt=attempt, by=agent)


def test_fail_someone_else_starts_an_assigned_attempt(practice_sandbox, agent, other_agent, lead):
    attempt = attempt_assign(scenario=scenario("keys-old-issuer"), trainee=agent, assigned_by=lead)
    with pytest.raises(AttemptError, match="Only the trainee"):
        attempt_start(attempt=attempt, by=other_agent)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ASSIGNED and attempt.started_at is None


def test_fail_sandbox_down_leaves_nothing_behind(settings, agent):
    settings.SANDBOX_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ProvisionError, match="could not set up"):
        attempt_begin(scenario=scenario("keys-old-issuer"), trainee=agent)
    assert not PracticeAttempt.objects.exists()
    assert not Case.objects.filter(is_practice=True).exists()


def test_customer_token_carries_the_scenario_mistake(practice_sandbox, agent):
    import jwt

    attempt = attempt_begin(scenario=scenario("keys-query-in-uri"), trainee=agent)
    claims = jwt.decode(attempt_customer_token(attempt=attempt),
                        options={"verify_signature": False})
    assert claims["uri"].endswith("/orders/historical/fills?product_id=BTC-USD&limit=50")
    assert claims["sub"] == attempt.sandbox_key_name


def test_submit_scores_closes_the_case_and_clears_the_world(practice_sandbox, agent):
    attempt = attempt_begin(scenario=scenario("pagination-429-storm"), trainee=agent)
    submitted = attempt_submit(
        attempt=attempt, by=agent, decision="resolve", identified_codes=["RATE_LIMITED"],
        note="Back off exponentially with jitter on 429 and resume from the last cursor.",
    )
    assert submitted.status == AttemptStatus.SUBMITTED
    assert submitted.sealed_key_secret == ""
    assert submitted.case.status == Case.Status.RESOLVED
    card = submitted.score_breakdown
    assert card["decision_correct"] is True
    assert card["missed_codes"] == []
    assert submitted.score == card["total"]
    parts = {p["key"]: p for p in card["parts"]}
    assert parts["findings"]["points"] == parts["findings"]["max_points"]
    # No checklist item was touched, so every item of the scenario's checklist is missed.
    assert parts["checklist"]["points"] == 0 and parts["checklist"]["missed"]
    assert attempt.sandbox_key_name not in practice_sandbox.control.state()["faults"]["per_key"]


def test_fail_submit_rules(practice_sandbox, agent, other_agent):
    attempt = attempt_begin(scenario=scenario("keys-valid-tokens-escalate"), trainee=agent)
    with pytest.raises(AttemptError):
        attempt_submit(attempt=attempt, by=other_agent, decision="resolve",
                       identified_codes=[], note="x")
    with pytest.raises(ValidationError) as info:
        attempt_submit(attempt=attempt, by=agent, decision="escalate",
                       identified_codes=[], note="x")
    assert "criterion" in info.value.message_dict
    attempt_submit(attempt=attempt, by=agent, decision="resolve", identified_codes=[],
                   note="Regenerate the key.")
    with pytest.raises(AttemptError, match="not in progress"):
        attempt_submit(attempt=attempt, by=agent, decision="resolve", identified_codes=[],
                       note="again")


def test_escalation_is_scored_on_the_packet_collect_list(practice_sandbox, agent):
    from triage.models import EscalationCriterion

    attempt = attempt_begin(scenario=scenario("keys-valid-tokens-escalate"), trainee=agent)
    submitted = attempt_submit(
        attempt=attempt, by=agent, decision="escalate",
        criterion=EscalationCriterion.objects.get(key="auth_failures_valid_tokens"),
        identified_codes=["KEY_UNAUTHORIZED"], note="Valid tokens refused; please investigate.",
    )
    parts = {p["key"]: p for p in submitted.score_breakdown["parts"]}
    assert parts["decision"]["points"] == parts["decision"]["max_points"]
    # Nothing was collected on the case: the packet part names what was missing.
    assert "Portfolio ID" in parts["packet"]["missed"]
    assert parts["packet"]["points"] < parts["packet"]["max_points"]
    assert submitted.score_breakdown["packet_meter"]["missing"]


def test_escalation_scores_the_packet_built_with_the_escalate_button(practice_sandbox, agent):
    from escalations.models import Escalation
    from escalations.selectors import QueueFilters, escalation_queue
    from escalations.services import escalation_submit
    from triage.models import EscalationCriterion
    from triage.services import case_update

    attempt = attempt_begin(scenario=scenario("keys-valid-tokens-escalate"), trainee=agent)
    case_update(case=attempt.case, by=agent, key_prefix=attempt.sandbox_key_name,
                portfolio_id=attempt.case_portfolio_id, product_id="BTC-USD")
    escalation_submit(case=attempt.case, by=agent, refs=[], summary="Valid tokens refused.",
                      steps_tried="Checked the token and the key.", gap_reason="Practice")
    packet_missing = Escalation.objects.get(case=attempt.case).packets.get().document[
        "completeness"]["missing"]
    submitted = attempt_submit(
        attempt=attempt, by=agent, decision="escalate",
        criterion=EscalationCriterion.objects.get(key="auth_failures_valid_tokens"),
        identified_codes=["KEY_UNAUTHORIZED"], note="Valid tokens refused.",
    )
    parts = {p["key"]: p for p in submitted.score_breakdown["parts"]}
    assert parts["packet"]["missed"] == packet_missing
    assert "Portfolio ID" not in packet_missing and "Product pair" not in packet_missing
    # The practice escalation never reaches the leads' queue.
    from django.utils import timezone

    assert not escalation_queue(filters=QueueFilters(), now=timezone.now()).exists()
    assert submitted.case.status == Case.Status.RESOLVED
