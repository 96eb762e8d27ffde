"""Writes for practice mode: assign, start (provision + practice case), diagnose, submit."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from practice.customer import mint_customer_jwt
from practice.models import AttemptStatus, Decision, PracticeAttempt, PracticeScenario
from practice.provision import ProvisionError, provision_world, teardown_world
from practice.sandbox import sandbox_control, sandbox_targets
from practice.scoring import score_attempt
from practice.sealing import seal, unseal
from practice.selectors import attempt_score_input
from triage.models import Case, EscalationCriterion, TimelineEvent
from triage.services import case_create, case_transition, case_update, timeline_add

PRACTICE_TICKET_PREFIX = "PRACTICE-"


class AttemptError(ValidationError):
    """An action the attempt's state does not allow; the message is shown to the user."""


@transaction.atomic
def attempt_assign(*, scenario: PracticeScenario, trainee, assigned_by=None) -> PracticeAttempt:
    """Give a trainee a scenario to work; a lead assigns, an agent assigns themself."""
    if not scenario.is_active:
        raise AttemptError("This scenario is retired; pick another.")
    attempt = PracticeAttempt(scenario=scenario, trainee=trainee, assigned_by=assigned_by)
    attempt.full_clean()
    attempt.save()
    return attempt


def attempt_start(*, attempt: PracticeAttempt, by, control=None) -> PracticeAttempt:
    """Provision the attempt's own sandbox world and open its practice case.

    Network work happens outside any transaction; a conditional UPDATE makes sure only
    one request provisions an attempt.
    """
    if by != attempt.trainee:
        raise AttemptError("Only the trainee can start this exercise.")
    claimed = PracticeAttempt.objects.filter(
        pk=attempt.pk, status=AttemptStatus.ASSIGNED, started_at__isnull=True
    ).update(started_at=timezone.now())
    if not claimed:
        raise AttemptError("This exercise has already been started.")
    control = control or sandbox_control()
    scenario = attempt.scenario
    try:
        world = provision_world(setup=scenario.parsed_setup, control=control)
    except ProvisionError:
        PracticeAttempt.objects.filter(pk=attempt.pk).update(started_at=None)
        raise
    try:
        with transaction.atomic():
            case = case_create(
                subject=f"[Practice] {scenario.title}",
                scenario=scenario.scenario,
                created_by=attempt.trainee,
                assignee=attempt.trainee,
                external_ticket=f"{PRACTICE_TICKET_PREFIX}{attempt.pk}",
                environment=Case.Environment.SANDBOX,
                is_practice=True,
            )
            timeline_add(
                case=case, kind=TimelineEvent.Kind.OTHER, actor=by,
                summary=f"Practice exercise started: {scenario.title}",
                data={"practice_attempt": attempt.pk, "scenario": scenario.slug},
            )
            attempt.refresh_from_db()
            attempt.case = case
            attempt.status = AttemptStatus.ACTIVE
            attempt.sandbox_key_name = world.key_name
            attempt.sandbox_portfolio_uuid = world.portfolio_uuid
            attempt.case_portfolio_id = world.case_portfolio_id
            attempt.sandbox_extra_keys = world.extra_key_names
            attempt.sealed_key_secret = seal(world.key_secret)
            attempt.full_clean()
            attempt.save()
    except Exception:
        teardown_world(control=control, key_names=world.all_key_names)
        PracticeAttempt.objects.filter(pk=attempt.pk).update(started_at=None)
        raise
    return attempt


def attempt_begin(*, scenario: PracticeScenario, trainee, control=None) -> PracticeAttempt:
    """An agent starts a scenario from the Practice page: assign to self, then start."""
    attempt = attempt_assign(scenario=scenario, trainee=trainee, assigned_by=None)
    try:
        return attempt_start(attempt=attempt, by=trainee, control=control)
    except (ProvisionError, AttemptError):
        attempt.delete()
        raise


@sensitive_variables("secret", "token")
def attempt_customer_token(*, attempt: PracticeAttempt, now: float | None = None) -> str:
    """The token the customer would paste right now, or "" when the ticket has none."""
    spec = attempt.scenario.parsed_setup.customer.jwt
    secret = unseal(attempt.sealed_key_secret)
    if spec is None or not secret:
        return ""
    token = mint_customer_jwt(
        spec, key_name=attempt.sandbox_key_name, key_secret=secret, now=now
    )
    return token


@sensitive_variables("secret", "token")
def attempt_run_diagnostics(*, attempt: PracticeAttempt, by, checks: list[str]):
    """Run diagnostics on the practice case with the customer's (sandbox) key and token."""
    from diagnostics.services import run_start

    if by != attempt.trainee:
        raise AttemptError("Only the trainee runs diagnostics on this exercise.")
    if attempt.status != AttemptStatus.ACTIVE or attempt.case is None:
        raise AttemptError("This exercise is not in progress.")
    setup = attempt.scenario.parsed_setup
    secret = unseal(attempt.sealed_key_secret)
    token = attempt_customer_token(attempt=attempt)
    targets = sandbox_targets()
    customer_time = (
        int(time.time()) + setup.customer.clock_offset_s if setup.customer.clock_offset_s else None
    )
    return run_start(
        case=attempt.case, by=by, checks=checks,
        key_name=attempt.sandbox_key_name if secret else "", key_secret=secret,
        customer_jwt=token, customer_request=setup.customer.request,
        customer_time=customer_time, product_id=setup.product_id,
        portfolio_id=attempt.case_portfolio_id, action=setup.intent.action,
        side=setup.intent.side, size=setup.intent.size,
        rest_base=targets.rest_base, ws_market_url=targets.ws_market_url,
        ws_user_url=targets.ws_user_url,
    )


def attempt_submit(
    *,
    attempt: PracticeAttempt,
    by,
    decision: str,
    identified_codes: list[str],
    note: str,
    criterion: EscalationCriterion | None = None,
    steps_tried: str = "",
    control=None,
) -> PracticeAttempt:
    """End the exercise: close the practice case, score it, wipe the sandbox key."""
    if by != attempt.trainee:
        raise AttemptError("Only the trainee can submit this exercise.")
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose to resolve or to escalate."})
    if decision == Decision.ESCALATE and criterion is None:
        raise ValidationError({"criterion": "Say which escalation criterion applies."})
    if decision == Decision.RESOLVE:
        criterion = None
    if not note.strip():
        raise ValidationError({"note": "Write the advice or the escalation summary."})
    with transaction.atomic():
        locked = PracticeAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status != AttemptStatus.ACTIVE:
            raise AttemptError("This exercise is not in progress.")
        now = timezone.now()
        locked.submitted_at = now
        locked.decision = decision
        locked.criterion = criterion
        locked.identified_codes = sorted(set(identified_codes))
        locked.resolution_note = note.strip()
        data, packet = attempt_score_input(
            attempt=locked, summary=note, steps_tried=steps_tried
        )
        card = score_attempt(data).to_dict()
        card["packet_meter"] = packet
        locked.score = card["total"]
        locked.score_breakdown = card
        locked.status = AttemptStatus.SUBMITTED
        locked.sealed_key_secret = ""
        locked.full_clean()
        locked.save()
        _close_case(case=locked.case, by=by, decision=decision, note=locked.resolution_note)
    teardown_world(
        control=control or sandbox_control(),
        key_names=[locked.sandbox_key_name, *locked.sandbox_extra_keys],
    )
    return locked


def _close_case(*, case: Case | None, by, decision: str, note: str) -> None:
    """A practice case always ends resolved, so it never waits in an escalation queue."""
    if case is None:
        return
    case_update(case=case, by=by, resolution=note)
    if case.status != Case.Status.RESOLVED:
        label = Decision(decision).label.lower()
        case_transition(
            case=case, to=Case.Status.RESOLVED, by=by,
            reason=f"Practice exercise submitted ({label})",
        )
