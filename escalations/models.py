"""Escalations, their immutable packet versions, the review audit trail and notifications."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ImmutableError(RuntimeError):
    """Submitted packets and audit rows are never changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError(f"{self.model.__name__} rows are never changed.")

    def delete(self):
        raise ImmutableError(f"{self.model.__name__} rows are never deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} #{self.pk} is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} rows are never deleted.")


class Escalation(models.Model):
    """One escalation of one case; its facts are copied from the latest packet for the queue."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        INFO_REQUESTED = "info_requested", "More information requested"
        FORWARDED = "forwarded", "Forwarded to engineering"
        RESOLVED = "resolved", "Resolved"

    case = models.ForeignKey("triage.Case", on_delete=models.CASCADE, related_name="escalations")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    scenario = models.ForeignKey(
        "triage.Scenario", on_delete=models.PROTECT, related_name="escalations"
    )
    priority = models.CharField(max_length=8, blank=True)
    product_id = models.CharField(max_length=21, blank=True)
    key_prefix = models.CharField(max_length=16, blank=True)
    codes = models.JSONField(default=list, blank=True)
    primary_code = models.CharField(max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)
    completeness = models.PositiveSmallIntegerField(default=0, help_text="Percent collected.")
    returned_count = models.PositiveIntegerField(default=0)
    is_practice = models.BooleanField(
        default=False, help_text="From a practice case: never in the queue, metrics or radar."
    )
    case_opened_at = models.DateTimeField()
    submitted_at = models.DateTimeField(default=timezone.now)
    last_submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    escalation_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["-submitted_at", "-id"], name="esc_submitted"),
            models.Index(fields=["status", "-submitted_at"], name="esc_status"),
            models.Index(fields=["scenario", "-submitted_at"], name="esc_scenario"),
            models.Index(fields=["agent", "-submitted_at"], name="esc_agent"),
            models.Index(fields=["product_id", "-submitted_at"], name="esc_product"),
            models.Index(fields=["key_prefix"], name="esc_key_prefix"),
            models.Index(fields=["case"], name="esc_case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=~Q(status="resolved"),
                name="escalation_one_active_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"Escalation #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("escalations:escalation_detail", args=[self.pk])

    @property
    def case_reference(self) -> str:
        return f"CASE-{self.case_id:06d}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED


class EscalationTag(models.Model):
    """Indexed search and grouping terms of an escalation's latest packet."""

    class Kind(models.TextChoices):
        CODE = "code", "Finding code"
        CORRELATION = "correlation", "Correlation id"
        SIGNATURE = "signature", "Failure signature"

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.CharField(max_length=255)
    key_prefix = models.CharField(max_length=16, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["kind", "value"], name="esc_tag_value"),
            models.Index(fields=["kind", "at"], name="esc_tag_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["escalation", "kind", "value"], name="esc_tag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"


class Packet(AppendOnlyModel):
    """One submitted version of a packet: an immutable JSON snapshot with its hash."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="packets")
    version = models.PositiveIntegerField()
    schema_version = models.CharField(max_length=10)
    document = models.JSONField()
    content_hash = models.CharField(max_length=71, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["escalation", "version"], name="packet_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document['packet']['case_reference']} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("escalations:packet_detail", args=[self.pk])


class ReviewEvent(AppendOnlyModel):
    """The audit trail: who did what to an escalation, when, and what changed."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        CORRECTED = "corrected", "Corrected (new version)"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        INFO_REQUESTED = "info_requested", "Requested more information"
        FORWARDED = "forwarded", "Forwarded to engineering"
        RESOLVED = "resolved", "Resolved"
        EXPORTED = "exported", "Exported"

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    packet_version = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["escalation", "-at"], name="esc_event_at")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} #{self.escalation_id}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        NEW_ESCALATION = "new", "New escalation"
        RETURNED = "returned", "Packet returned for more information"
        STATUS = "status", "Escalation status changed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="escalation_notifications"
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="esc_notif_unread")]

    def __str__(self) -> str:
        return self.message


class SlaTarget(models.Model):
    """Minutes from case opening to each stage, per scenario (blank = any) and priority."""

    scenario = models.ForeignKey(
        "triage.Scenario", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    priority = models.CharField(max_length=8)
    first_diagnosis_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalation_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["scenario", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "priority"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        return f"SLA {self.scenario or 'any scenario'} / {self.priority}"

    def as_targets(self) -> dict[str, int | None]:
        return {
            "first_diagnosis": self.first_diagnosis_minutes,
            "escalation": self.escalation_minutes,
            "resolution": self.resolution_minutes,
        }
