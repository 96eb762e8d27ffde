"""Evidence imports, the error-signature library, reply templates, API tokens and webhooks."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


def validate_string_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError("Enter a list of non-empty strings.")


class EvidenceImport(models.Model):
    """A HAR file, Postman collection or request log imported into a case, and its analysis."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Analysing"
        DONE = "done", "Analysed"
        FAILED = "failed", "Failed"

    case = models.ForeignKey("triage.Case", on_delete=models.CASCADE, related_name="imports")
    evidence = models.ForeignKey(
        "triage.Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, help_text="har, postman, log or jsonl")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    entry_count = models.PositiveIntegerField(default=0)
    # Redacted HttpEntry dicts; the raw file is never stored.
    entries = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    results = models.JSONField(default=list, blank=True, help_text="CheckResult dicts.")
    codes = models.JSONField(default=list, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename or self.kind} ({self.entry_count} requests)"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ErrorSignature(models.Model):
    """A known Advanced Trade failure: how to recognise it and what to do about it."""

    class Kind(models.TextChoices):
        REST = "rest", "REST response"
        WS = "ws", "WebSocket frame"

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.REST)
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="HTTP status that must match; blank for any."
    )
    body_pattern = models.CharField(
        max_length=300,
        blank=True,
        help_text="Text the body or frame must contain (case-insensitive); a regular "
        "expression when 'is regex' is ticked. Blank matches on status alone.",
    )
    is_regex = models.BooleanField(default=False)
    exact_body = models.BooleanField(
        default=False, help_text="The whole (trimmed) body must equal the pattern."
    )
    likely_causes = models.JSONField(default=list, validators=[validate_string_list])
    checklist_item_key = models.SlugField(
        max_length=60, blank=True, help_text="Checklist item to look at, e.g. auth-jwt-claims."
    )
    finding_code = models.CharField(max_length=60, blank=True)
    reply_template = models.TextField(
        blank=True, help_text="Customer reply; placeholders like {reference} are filled in."
    )
    enabled = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    hit_count = models.PositiveIntegerField(default=0, editable=False)
    last_hit_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["hit_count", "last_hit_at"])

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        import re

        if self.is_regex and self.body_pattern:
            try:
                re.compile(self.body_pattern)
            except re.error as exc:
                raise ValidationError({"body_pattern": f"Not a valid expression: {exc}"}) from None
        if not self.body_pattern and self.status_code is None:
            raise ValidationError("Give a status code, a body pattern, or both.")


class SignatureMatch(models.Model):
    """One signature recognised in one piece of a case's evidence (counted once)."""

    signature = models.ForeignKey(ErrorSignature, on_delete=models.CASCADE, related_name="matches")
    case = models.ForeignKey("triage.Case", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=60, help_text="e.g. evidence:12, import:3#7, run:5")
    excerpt = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["signature", "case", "source"], name="signature_match_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signature.slug} in {self.source}"


class ReplyTemplate(models.Model):
    """Customer reply text for a finding code or a checklist item, with case placeholders."""

    class Target(models.TextChoices):
        FINDING = "finding", "Finding code"
        ITEM = "item", "Checklist item"

    target = models.CharField(max_length=8, choices=Target.choices)
    key = models.CharField(
        max_length=80, help_text="The finding code (e.g. PAGINATION_CURSOR_REUSED) or item key."
    )
    title = models.CharField(max_length=120)
    body = models.TextField(
        help_text="Placeholders: {reference}, {subject}, {product_id}, {key_prefix}, "
        "{portfolio_id}, {ticket}, {agent}, {environment}."
    )
    enabled = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "key"]
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="reply_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} {self.key}: {self.title}"


class ReplyDraft(models.Model):
    """The reply an agent is writing to the customer; templates are appended to it."""

    case = models.OneToOneField("triage.Case", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reply draft for case {self.case_id}"


class IntegrationToken(models.Model):
    """A help desk's API token: scoped, revocable, stored only as a SHA-256 hash."""

    class Scope(models.TextChoices):
        CASES_READ = "cases:read", "Read cases and findings"
        CASES_WRITE = "cases:write", "Create cases"
        EVIDENCE_WRITE = "evidence:write", "Add evidence"
        PACKETS_READ = "packets:read", "Read escalation packets"

    name = models.CharField(max_length=100, help_text="Which integration uses it.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        unknown = set(self.scopes or []) - set(self.Scope.values)
        if not isinstance(self.scopes, list) or not self.scopes or unknown:
            raise ValidationError({"scopes": "Choose one or more of: "
                                   + ", ".join(self.Scope.values)})

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEndpoint(models.Model):
    """A receiver of signed event notifications."""

    class Event(models.TextChoices):
        CASE_ESCALATED = "case.escalated", "Case escalated"
        PACKET_RETURNED = "packet.returned", "Packet returned for more information"
        PACKET_RESOLVED = "packet.resolved", "Packet resolved"
        INCIDENT_RADAR_FIRED = "incident.radar_fired", "Incident radar fired"
        CASE_CREATED = "case.created", "Case created through the API"

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names this endpoint receives.")
    # The signing secret, Fernet-encrypted with a key derived from SECRET_KEY.
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.events or []) - set(self.Event.values)
        if not isinstance(self.events, list) or not self.events or unknown:
            raise ValidationError({"events": "Choose one or more of: "
                                   + ", ".join(self.Event.values)})


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Waiting to retry"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=300, blank=True)
    attempt_log = models.JSONField(default=list, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_at")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"
