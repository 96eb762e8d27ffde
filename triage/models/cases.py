"""Cases, the state of their checklist items, evidence and timeline."""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from triage.models.knowledge import ChecklistItem, Scenario

REFERENCE_PREFIX = "CASE-"

product_id_validator = RegexValidator(
    r"^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$",
    "Enter a product pair like BTC-USD (two upper-case symbols joined by a dash).",
)


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DIAGNOSING = "diagnosing", "Diagnosing"
        ESCALATED = "escalated", "Escalated"
        RESOLVED = "resolved", "Resolved"

    class Priority(models.TextChoices):
        URGENT = "urgent", "Urgent"
        HIGH = "high", "High"
        NORMAL = "normal", "Normal"
        LOW = "low", "Low"

    class Environment(models.TextChoices):
        PRODUCTION = "production", "Production"
        SANDBOX = "sandbox", "Sandbox"

    # The allowed status changes; enforced by triage.services.case_transition only.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.OPEN: (Status.DIAGNOSING, Status.ESCALATED, Status.RESOLVED),
        Status.DIAGNOSING: (Status.OPEN, Status.ESCALATED, Status.RESOLVED),
        Status.ESCALATED: (Status.DIAGNOSING, Status.RESOLVED),
        Status.RESOLVED: (Status.OPEN,),
    }

    subject = models.CharField(max_length=200, help_text="The customer's problem in one line.")
    external_ticket = models.CharField(
        max_length=120, blank=True, help_text="Ticket reference in the help desk, e.g. ZD-48121."
    )
    external_ticket_url = models.URLField(blank=True)
    tracker_url = models.URLField(blank=True, help_text="Link to the engineering tracker issue.")
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_cases",
    )
    # Never a secret: services reduce whatever was entered with redaction.key_prefix().
    key_prefix = models.CharField(
        max_length=16,
        blank=True,
        help_text="First characters of the API key id only; never the secret.",
    )
    portfolio_id = models.UUIDField(null=True, blank=True)
    product_id = models.CharField(max_length=21, blank=True, validators=[product_id_validator])
    environment = models.CharField(
        max_length=10, choices=Environment.choices, default=Environment.PRODUCTION
    )
    is_practice = models.BooleanField(
        default=False, help_text="Training case; left out of queues and metrics."
    )
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"])]
        permissions = [
            ("review_escalation", "Can review escalations"),
            ("view_dashboard", "Can view the team dashboard"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("triage:case_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.pk:06d}" if self.pk else f"{REFERENCE_PREFIX}new"

    @classmethod
    def pk_from_reference(cls, text: str) -> int | None:
        """CASE-000123, case-123 or 123 -> 123; anything else -> None."""
        text = (text or "").strip().upper()
        if text.startswith(REFERENCE_PREFIX):
            text = text[len(REFERENCE_PREFIX):]
        # ASCII digits only: str.isdigit() also accepts "³", which int() refuses.
        return int(text) if re.fullmatch(r"[0-9]{1,12}", text) else None

    @property
    def allowed_transitions(self) -> tuple[str, ...]:
        return self.TRANSITIONS.get(self.status, ())

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.RESOLVED


class ItemState(models.TextChoices):
    PENDING = "pending", "Pending"
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    NA = "na", "Not applicable"


class CaseChecklistItem(models.Model):
    """The state of one checklist item on one case, bound to the item's version."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checklist_items")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="case_states")
    state = models.CharField(max_length=8, choices=ItemState.choices, default=ItemState.PENDING)
    note = models.TextField(blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_by_diagnostic = models.BooleanField(default=False)
    set_at = models.DateTimeField(null=True, blank=True)
    # The latest proposal from a diagnostic run, kept even when an agent's state wins.
    diagnostic_state = models.CharField(max_length=8, choices=ItemState.choices, blank=True)
    diagnostic_note = models.CharField(max_length=500, blank=True)
    diagnostic_run_id = models.PositiveBigIntegerField(null=True, blank=True)
    diagnostic_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["item__version__template__order", "item__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "item"], name="case_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.item.title} = {self.state}"

    @property
    def is_done(self) -> bool:
        return self.state != ItemState.PENDING


class Evidence(models.Model):
    """Something the customer sent (or a diagnostic captured), parsed and redacted."""

    class Kind(models.TextChoices):
        REST = "rest", "HTTP request/response"
        JSON = "json", "JSON body"
        WS = "ws", "WebSocket messages"
        TEXT = "text", "Text"
        HAR = "har", "HAR export"

    class Source(models.TextChoices):
        PASTED = "pasted", "Pasted by an agent"
        DIAGNOSTIC = "diagnostic", "Captured by a diagnostic"
        IMPORT = "import", "Imported"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PASTED)
    title = models.CharField(max_length=200, blank=True)
    raw = models.TextField(help_text="The pasted text with every secret redacted.")
    method = models.CharField(max_length=10, blank=True)
    url = models.CharField(max_length=2000, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    request_headers = models.JSONField(default=list, blank=True)
    response_headers = models.JSONField(default=list, blank=True)
    request_body = models.TextField(blank=True)
    response_body = models.TextField(blank=True)
    messages = models.JSONField(default=list, blank=True, help_text="Parsed WebSocket messages.")
    correlation_ids = models.JSONField(default=list, blank=True)
    redactions = models.PositiveIntegerField(default=0)
    captured_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} #{self.pk}"


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", "Case opened"
        UPDATED = "updated", "Case updated"
        STATUS = "status", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        ITEM_SET = "item_set", "Checklist item set"
        NOTE = "note", "Note"
        EVIDENCE = "evidence", "Evidence added"
        DIAGNOSTIC = "diagnostic", "Diagnostic run"
        ESCALATION = "escalation", "Escalation"
        INTEGRATION = "integration", "Integration"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}: {self.summary}"
