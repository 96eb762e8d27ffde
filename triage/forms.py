"""Input parsing for the triage pages. Rules live in services; forms only validate shape."""

from __future__ import annotations

import copy

from django import forms
from django.contrib.auth import get_user_model

from triage.models import Case, ChecklistTemplate, Evidence, ItemState, Scenario
from triage.redaction import key_prefix
from triage.roles import AGENTS, TEAM_LEADS

KEY_PREFIX_HELP = (
    "Paste the key name or key id; only its first characters are kept (never the secret). "
    "A pasted secret, PEM block or JWT is reduced to a prefix or dropped before saving."
)


def staff_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[AGENTS, TEAM_LEADS])
        .distinct()
        .order_by("username")
    )


class KeyPrefixField(forms.CharField):
    """The key prefix input: a whole pasted key name must reach the server to be reduced,
    so the browser is not told to cut it at the stored prefix length."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class KeyPrefixMixin:
    """Reduces the key prefix field before anything else sees it.

    The submitted value is replaced in the bound data, so even a re-rendered invalid form
    never echoes a pasted secret back into the page.
    """

    key_prefix_note = ""

    def _reduce_key_prefix(self, data):
        if data is None or "key_prefix" not in data:
            return data
        data = data.copy()
        result = key_prefix(data.get("key_prefix", ""))
        data["key_prefix"] = result.prefix
        self.key_prefix_note = result.note if result.was_secret else ""
        return data


def url_field(label: str) -> forms.URLField:
    return forms.URLField(required=False, assume_scheme="https", label=label, max_length=200)


class CaseCreateForm(KeyPrefixMixin, forms.ModelForm):
    external_ticket_url = url_field("Ticket link")
    key_prefix = KeyPrefixField(required=False, max_length=16, help_text=KEY_PREFIX_HELP)
    portfolio_id = forms.UUIDField(
        required=False,
        label="Portfolio ID",
        help_text="The portfolio's UUID.",
        error_messages={"invalid": "Enter the portfolio's UUID, e.g. 3f2a1c9e-…-4444."},
    )
    checklists = forms.ModelMultipleChoiceField(
        queryset=ChecklistTemplate.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to use the scenario's recommended checklists.",
    )

    class Meta:
        model = Case
        fields = [
            "scenario", "subject", "external_ticket", "external_ticket_url", "priority",
            "assignee", "key_prefix", "portfolio_id", "product_id", "environment",
        ]
        labels = {"product_id": "Product pair", "external_ticket_url": "Ticket link"}
        help_texts = {"product_id": "e.g. BTC-USD"}

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(self._reduce_key_prefix(data), *args, **kwargs)
        self.fields["scenario"].queryset = Scenario.objects.all()
        self.fields["scenario"].empty_label = None
        self.fields["assignee"].queryset = staff_users()
        self.fields["assignee"].empty_label = "Me"
        self.fields["assignee"].help_text = "Who works the case; you by default."
        self.fields["product_id"].widget.attrs["placeholder"] = "BTC-USD"

    def clean_product_id(self):
        return (self.cleaned_data.get("product_id") or "").strip().upper()


class CaseDetailsForm(KeyPrefixMixin, forms.ModelForm):
    external_ticket_url = url_field("Ticket link")
    tracker_url = url_field("Tracker link")
    key_prefix = KeyPrefixField(required=False, max_length=16, help_text=KEY_PREFIX_HELP)
    portfolio_id = CaseCreateForm.base_fields["portfolio_id"]

    class Meta:
        model = Case
        fields = [
            "subject", "priority", "assignee", "external_ticket", "external_ticket_url",
            "tracker_url", "key_prefix", "portfolio_id", "product_id", "environment",
        ]
        labels = CaseCreateForm.Meta.labels
        help_texts = CaseCreateForm.Meta.help_texts

    def __init__(self, data=None, *args, instance=None, **kwargs):
        # Validate against a copy: the service compares the case with the cleaned values.
        instance = copy.copy(instance) if instance is not None else None
        super().__init__(self._reduce_key_prefix(data), *args, instance=instance, **kwargs)
        self.fields["assignee"].queryset = staff_users()

    def clean_product_id(self):
        return (self.cleaned_data.get("product_id") or "").strip().upper()


class ChecklistItemForm(forms.Form):
    state = forms.ChoiceField(choices=ItemState.choices, required=False)
    note = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "Detect automatically"), *Evidence.Kind.choices],
        required=False,
        label="Format",
    )
    title = forms.CharField(required=False, max_length=200, label="Label (optional)")
    raw = forms.CharField(
        label="What the customer sent",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="A raw HTTP request/response with headers, a JSON body, WebSocket messages "
        "(one per line) or a HAR export. Secrets are redacted before saving.",
        error_messages={"required": "Paste the request, response, JSON or WebSocket messages."},
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Case.Status.choices)
    reason = forms.CharField(required=False, max_length=250)


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note", max_length=280, widget=forms.Textarea(attrs={"rows": 2})
    )


class AddChecklistForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=ChecklistTemplate.objects.all(), label="Checklist", empty_label="Choose…"
    )
