"""Diagnostic runs and their per-check results.

A run belongs to a case and fans out into one `CheckRun` per requested check. Nothing
here holds a secret: the key secret travels to the workers as a short-lived Fernet token
outside the database (see `diagnostics.credentials`), a customer's JWT is kept without
its signature and every stored result has been through the product's redactor.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class DiagnosticRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Action(models.TextChoices):
        VIEW = "view", "View"
        TRADE = "trade", "Trade"
        TRANSFER = "transfer", "Transfer"

    class Side(models.TextChoices):
        NONE = "", "—"
        BUY = "BUY", "Buy"
        SELL = "SELL", "Sell"

    FINISHED = (Status.DONE, Status.FAILED)

    case = models.ForeignKey(
        "triage.Case", on_delete=models.CASCADE, related_name="diagnostic_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    checks = models.JSONField(default=list, help_text="The requested check ids, in order.")
    rest_base = models.CharField(max_length=300)
    ws_market_url = models.CharField(max_length=300)
    ws_user_url = models.CharField(max_length=300)
    product_id = models.CharField(max_length=21, blank=True)
    portfolio_id = models.CharField(max_length=36, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.VIEW)
    side = models.CharField(max_length=4, choices=Side.choices, blank=True, default="")
    size = models.CharField(max_length=40, blank=True)
    key_prefix = models.CharField(
        max_length=16, blank=True, help_text="The first characters of the key id, never more."
    )
    customer_jwt_unsigned = models.TextField(
        blank=True, help_text="The customer's JWT as header.claims; the signature is never kept."
    )
    customer_request = models.CharField(max_length=300, blank=True)
    customer_time = models.BigIntegerField(null=True, blank=True)
    customer_ip = models.GenericIPAddressField(null=True, blank=True)
    key_allowed_ips = models.JSONField(
        default=list, blank=True, help_text="The key's IP allowlist as the customer set it."
    )
    long_run = models.BooleanField(default=False)
    options = models.JSONField(
        default=dict, blank=True, help_text="Check knobs, e.g. level2 or ws_user_reproduce."
    )
    credentials_handle = models.CharField(
        max_length=64, blank=True,
        help_text="Opaque name of the encrypted, expiring credentials held outside the DB.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField()
    failure_reason = models.CharField(max_length=500, blank=True)
    delivery_count = models.PositiveIntegerField(
        default=0, help_text="Check task deliveries so far (redeliveries included)."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["case", "-created_at"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"Run #{self.pk} on case {self.case_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("diagnostics:run_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_overdue(self) -> bool:
        return not self.is_finished and self.deadline is not None and timezone.now() > self.deadline

    @property
    def elapsed_seconds(self) -> float:
        if not self.started_at:
            return 0.0
        end = self.finished_at or timezone.now()
        return max(0.0, (end - self.started_at).total_seconds())


class CheckRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PASS = "pass", "Pass"
        WARN = "warn", "Warning"
        FAIL = "fail", "Fail"
        ERROR = "error", "Error"
        SKIPPED = "skipped", "Skipped"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    run = models.ForeignKey(DiagnosticRun, on_delete=models.CASCADE, related_name="check_runs")
    check_id = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    codes = models.JSONField(default=list, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    advice = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    claimed_by = models.CharField(
        max_length=200, blank=True, help_text="host:pid of the worker process running it."
    )
    delivery_count = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "check_id"], name="checkrun_run_check_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.check_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status not in self.ACTIVE

    @property
    def details_json(self) -> str:
        import json

        return json.dumps(self.details, indent=2, sort_keys=True, default=str)
