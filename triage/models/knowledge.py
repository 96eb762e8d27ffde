"""Module 2 knowledge as data: checklists (versioned), scenarios, and the escalation guide.

Team leads edit this in the admin. A checklist template is a stable family (``slug``);
its content lives in numbered versions. Editing creates a new version, and a case keeps
the items of the version it was opened with, so its history stays true.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def validate_check_ids(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError("Enter a list of diagnostic check ids, e.g. [\"jwt.inspect\"].")


def validate_bullets(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError("Enter a list of non-empty guidance bullets.")


class ChecklistTemplate(models.Model):
    """A checklist family, e.g. "Authentication"; its content is versioned."""

    slug = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def current_version(self) -> "ChecklistTemplateVersion | None":
        return self.versions.order_by("-number").first()


class ChecklistTemplateVersion(models.Model):
    """One immutable edition of a template's items; cases point at its items."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    change_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template__order", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="checklist_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template.title} v{self.number}"


class ChecklistItem(models.Model):
    """One thing to check, with how to check it and which diagnostics can answer it."""

    version = models.ForeignKey(
        ChecklistTemplateVersion, on_delete=models.CASCADE, related_name="items"
    )
    key = models.SlugField(
        max_length=60, help_text="Stable id of the item across versions, e.g. auth-jwt-claims."
    )
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, help_text="How an agent checks this item.")
    order = models.PositiveSmallIntegerField(default=0)
    check_ids = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_check_ids],
        help_text='Diagnostic checks that can answer this item, e.g. ["jwt.inspect"].',
    )

    class Meta:
        ordering = ["version", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="checklist_item_key_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Scenario(models.Model):
    """A common support scenario: what the customer says and how to approach it."""

    slug = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300, blank=True)
    guidance = models.JSONField(default=list, blank=True, validators=[validate_bullets])
    recommended_checklists = models.ManyToManyField(
        ChecklistTemplate, blank=True, related_name="scenarios"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class CollectItem(models.Model):
    """Something to collect before escalating (module section 5)."""

    class Applies(models.TextChoices):
        ALWAYS = "always", "Every case"
        REST = "rest", "REST problems"
        WEBSOCKET = "ws", "WebSocket problems"

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    help_text = models.CharField(max_length=300, blank=True)
    applies_to = models.CharField(max_length=10, choices=Applies.choices, default=Applies.ALWAYS)
    case_field = models.CharField(
        max_length=40, blank=True, help_text="Case field that holds this value, if any."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.label


class EscalationCriterion(models.Model):
    """One of the "when to escalate" rules (module section 5)."""

    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name_plural = "escalation criteria"

    def __str__(self) -> str:
        return self.title
