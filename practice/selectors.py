"""Reads for practice mode: the library, a trainee's attempts, scoring inputs, the dashboard."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Max, Prefetch, Q, QuerySet

from practice.models import AttemptStatus, Decision, PracticeAttempt, PracticeScenario
from practice.scoring import ScoreInput
from triage.models import CaseChecklistItem, ChecklistItem, ChecklistTemplate, ItemState
from triage.roles import AGENTS


def scenario_library() -> QuerySet[PracticeScenario]:
    """Active scenarios with what the Practice page shows, in library order."""
    return (
        PracticeScenario.objects.filter(is_active=True)
        .select_related("scenario", "escalation_criterion")
        .prefetch_related(
            Prefetch("checklists", queryset=ChecklistTemplate.objects.order_by("order"))
        )
    )


def attempt_queryset() -> QuerySet[PracticeAttempt]:
    return PracticeAttempt.objects.select_related(
        "scenario__scenario", "scenario__escalation_criterion", "trainee", "assigned_by",
        "case", "criterion",
    )


def attempts_for_trainee(*, trainee) -> QuerySet[PracticeAttempt]:
    return attempt_queryset().filter(trainee=trainee)


def attempt_get(*, pk: int) -> PracticeAttempt:
    """One attempt; raises PracticeAttempt.DoesNotExist."""
    return attempt_queryset().get(pk=pk)


def attempt_for_case(*, case) -> PracticeAttempt | None:
    return attempt_queryset().filter(case=case).first()


def trainees() -> QuerySet:
    """Users a lead can assign practice to: the agents."""
    return get_user_model().objects.filter(groups__name=AGENTS, is_active=True).order_by(
        "username"
    )


def attempt_observed_codes(*, attempt: PracticeAttempt) -> list[str]:
    """Every finding code the practice case's diagnostic runs produced, first seen first."""
    from diagnostics.models import CheckRun

    seen: dict[str, None] = {}
    if attempt.case_id:
        rows = CheckRun.objects.filter(run__case_id=attempt.case_id).order_by(
            "run__created_at", "position"
        )
        for codes in rows.values_list("codes", flat=True):
            seen.update(dict.fromkeys(codes or []))
    return list(seen)


def _scenario_items(scenario: PracticeScenario) -> list[ChecklistItem]:
    """The current items of the scenario's checklists, in checklist order."""
    items: list[ChecklistItem] = []
    for template in scenario.checklists.order_by("order"):
        version = template.current_version()
        if version is not None:
            items += list(version.items.select_related("version__template").order_by("order"))
    return items


def _covered_keys(*, attempt: PracticeAttempt) -> set[tuple[str, str]]:
    if not attempt.case_id:
        return set()
    rows = CaseChecklistItem.objects.filter(case_id=attempt.case_id).exclude(
        state=ItemState.PENDING
    )
    return set(rows.values_list("item__version__template__slug", "item__key"))


def case_latest_packet_meter(*, case_id: int) -> dict | None:
    """The completeness meter of the newest packet built with the Escalate button, if any."""
    from escalations.models import Packet

    document = (
        Packet.objects.filter(escalation__case_id=case_id)
        .order_by("-created_at", "-pk")
        .values_list("document", flat=True)
        .first()
    )
    return document.get("completeness") if document else None


def attempt_score_input(
    *, attempt: PracticeAttempt, summary: str = "", steps_tried: str = ""
) -> tuple[ScoreInput, dict | None]:
    """Everything the scoring function needs, and the packet meter when escalating."""
    from practice.packet import practice_packet

    scenario = attempt.scenario
    items = _scenario_items(scenario)
    covered = _covered_keys(attempt=attempt)
    meter = None
    collect_items: list[str] = []
    collect_missing: list[str] = []
    if scenario.expected_decision == Decision.ESCALATE and attempt.case_id:
        meter = case_latest_packet_meter(case_id=attempt.case_id)
        if meter is None:
            meter = practice_packet(
                case=attempt.case, summary=summary, steps_tried=steps_tried,
                by=attempt.trainee,
            )["completeness"]
        required = [i for i in meter["items"] if i["state"] != "not_applicable"]
        collect_items = [i["label"] for i in required]
        collect_missing = list(meter["missing"])
    seconds = 0
    if attempt.started_at and attempt.submitted_at:
        seconds = int((attempt.submitted_at - attempt.started_at).total_seconds())
    data = ScoreInput(
        expected_codes=list(scenario.expected_codes),
        identified_codes=list(attempt.identified_codes),
        expected_decision=scenario.expected_decision,
        decision=attempt.decision,
        seconds_taken=seconds,
        target_minutes=scenario.target_minutes,
        observed_codes=attempt_observed_codes(attempt=attempt),
        checklist_items=[f"{i.version.template.title}: {i.title}" for i in items],
        checklist_items_covered=[
            f"{i.version.template.title}: {i.title}"
            for i in items
            if (i.version.template.slug, i.key) in covered
        ],
        expected_criterion=scenario.escalation_criterion.key
        if scenario.escalation_criterion_id else "",
        criterion=attempt.criterion.key if attempt.criterion_id else "",
        collect_items=collect_items,
        collect_missing=collect_missing,
    )
    return data, meter


# --- leads' dashboard --------------------------------------------------------------------


@dataclass
class AgentRow:
    trainee_id: int
    username: str
    attempts: int
    submitted: int
    average: float | None
    best: int | None
    scores: list[int] = field(default_factory=list)  # oldest first, for the sparkline


@dataclass
class ScenarioRow:
    scenario_id: int
    title: str
    attempts: int
    average: float | None
    decision_right: int
    missed: list[tuple[str, int]] = field(default_factory=list)


def _submitted() -> QuerySet[PracticeAttempt]:
    return PracticeAttempt.objects.filter(status=AttemptStatus.SUBMITTED)


def dashboard_agents() -> list[AgentRow]:
    """Per agent: attempts, submitted, average and best score, scores over time."""
    User = get_user_model()
    users = (
        User.objects.filter(practice_attempts__isnull=False)
        .distinct()
        .annotate(
            attempts=Count("practice_attempts", distinct=True),
            submitted=Count(
                "practice_attempts",
                filter=Q(practice_attempts__status=AttemptStatus.SUBMITTED),
                distinct=True,
            ),
            average=Avg(
                "practice_attempts__score",
                filter=Q(practice_attempts__status=AttemptStatus.SUBMITTED),
            ),
            best=Max("practice_attempts__score"),
        )
        .order_by("username")
    )
    history: dict[int, list[int]] = {}
    for trainee_id, score in _submitted().order_by("submitted_at").values_list(
        "trainee_id", "score"
    ):
        history.setdefault(trainee_id, []).append(score or 0)
    return [
        AgentRow(u.pk, u.get_username(), u.attempts, u.submitted, u.average, u.best,
                 history.get(u.pk, []))
        for u in users
    ]


def dashboard_scenarios() -> list[ScenarioRow]:
    """Per scenario: submitted attempts, average score, right decisions, most-missed codes."""
    rows = (
        PracticeScenario.objects.annotate(
            submitted=Count("attempts", filter=Q(attempts__status=AttemptStatus.SUBMITTED)),
            average=Avg("attempts__score", filter=Q(attempts__status=AttemptStatus.SUBMITTED)),
        )
        .filter(submitted__gt=0)
        .order_by("position", "slug")
    )
    missed: dict[int, Counter] = {}
    right: Counter = Counter()
    for scenario_id, breakdown in _submitted().values_list("scenario_id", "score_breakdown"):
        missed.setdefault(scenario_id, Counter()).update(breakdown.get("missed_codes", []))
        right[scenario_id] += 1 if breakdown.get("decision_correct") else 0
    return [
        ScenarioRow(s.pk, s.title, s.submitted, s.average, right[s.pk],
                    missed.get(s.pk, Counter()).most_common(3))
        for s in rows
    ]


def dashboard_missed_findings(limit: int = 10) -> list[tuple[str, int]]:
    """Finding codes trainees most often failed to name, across all submitted attempts."""
    counter: Counter = Counter()
    for breakdown in _submitted().values_list("score_breakdown", flat=True):
        counter.update(breakdown.get("missed_codes", []))
    return counter.most_common(limit)
