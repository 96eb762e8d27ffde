"""Practice scenarios (the library leads edit) and trainees' attempts at them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from practice.setup import SetupError, parse_setup


class Decision(models.TextChoices):
    RESOLVE = "resolve", "Resolve with advice"
    ESCALATE = "escalate", "Escalate to engineering"


def _list_of_strings(value, field: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError({field: "Must be a list of non-empty strings."})


class PracticeScenario(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=160)
    scenario = models.ForeignKey(
        "triage.Scenario", on_delete=models.PROTECT, related_name="practice_scenarios",
        help_text="The module's support scenario this ticket belongs to.",
    )
    checklists = models.ManyToManyField(
        "triage.ChecklistTemplate", related_name="practice_scenarios",
        help_text="The triage checklists this scenario exercises.",
    )
    ticket_text = models.TextField(help_text="What the customer wrote, shown to the trainee.")
    setup = models.JSONField(
        default=dict, help_text="Sandbox setup; see practice/setup.py for the shape."
    )
    diagnostic_checks = models.JSONField(
        default=list, help_text="Diagnostic check ids that reveal the problem."
    )
    expected_codes = models.JSONField(
        default=list, help_text="Finding codes a correct triage names."
    )
    expected_decision = models.CharField(max_length=10, choices=Decision.choices)
    escalation_criterion = models.ForeignKey(
        "triage.EscalationCriterion", on_delete=models.PROTECT, null=True, blank=True,
        related_name="practice_scenarios", help_text="Which criterion applies, when escalating.",
    )
    teaching_notes = models.TextField()
    target_minutes = models.PositiveSmallIntegerField(default=15)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            parse_setup(self.setup)
        except SetupError as exc:
            errors["setup"] = str(exc)
        for name in ("diagnostic_checks", "expected_codes"):
            try:
                _list_of_strings(getattr(self, name), name)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if not self.expected_codes:
            errors.setdefault("expected_codes", "Name at least one finding code.")
        if self.expected_decision == Decision.ESCALATE and not self.escalation_criterion_id:
            errors["escalation_criterion"] = "An escalation names the criterion that applies."
        if self.expected_decision == Decision.RESOLVE and self.escalation_criterion_id:
            errors["escalation_criterion"] = "Only an escalation has a criterion."
        if errors:
            raise ValidationError(errors)

    @property
    def parsed_setup(self):
        return parse_setup(self.setup)


class AttemptStatus(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    ACTIVE = "active", "In progress"
    SUBMITTED = "submitted", "Submitted"


class PracticeAttempt(models.Model):
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_attempts"
    )
    scenario = models.ForeignKey(
        PracticeScenario, on_delete=models.PROTECT, related_name="attempts"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="practice_assignments",
    )
    status = models.CharField(
        max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.ASSIGNED
    )
    case = models.OneToOneField(
        "triage.Case", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="practice_attempt", help_text="The attempt's own practice case.",
    )
    # The isolated sandbox world of this attempt. Keys are sandbox-only credentials; the
    # private key is sealed (Fernet) and wiped when the attempt ends.
    sandbox_key_name = models.CharField(max_length=200, blank=True)
    sandbox_portfolio_uuid = models.CharField(max_length=64, blank=True)
    case_portfolio_id = models.CharField(max_length=64, blank=True)
    sandbox_extra_keys = models.JSONField(default=list, blank=True)
    sealed_key_secret = models.TextField(blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    criterion = models.ForeignKey(
        "triage.EscalationCriterion", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    identified_codes = models.JSONField(default=list, blank=True)
    resolution_note = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    score_breakdown = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-assigned_at"]
        indexes = [models.Index(fields=["trainee", "status"])]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.scenario.slug} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        if self.status == AttemptStatus.SUBMITTED:
            return reverse("practice:attempt_scorecard", args=[self.pk])
        if self.case_id:
            return reverse("triage:case_detail", args=[self.case_id])
        return reverse("practice:practice_home")

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.SUBMITTED

    @property
    def duration_seconds(self) -> int | None:
        if self.started_at and self.submitted_at:
            return int((self.submitted_at - self.started_at).total_seconds())
        return None
