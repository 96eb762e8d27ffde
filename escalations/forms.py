"""Input parsing for the packet builder, the review actions and the queue filters."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from escalations.models import Escalation
from escalations.selectors import QueueFilters
from escalations.workflow import ACTIONS
from triage.models import Scenario

TEXT_LIMIT = 8000


class PacketForm(forms.Form):
    refs = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Exchanges and messages to include",
    )
    summary = forms.CharField(
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What fails, for whom, since when — in two or three sentences.",
    )
    steps_tried = forms.CharField(
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Steps already tried",
    )
    gap_reason = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for escalating with missing items",
        help_text="Required only when the collect list still shows gaps.",
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refs"].choices = [(c.ref, c.label) for c in candidates]


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[(a.name, a.label) for a in ACTIONS.values()])
    comment = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Escalation.Status.choices], required=False
    )
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.order_by("order"), required=False, empty_label="Any scenario"
    )
    agent = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(groups__name="Agents").order_by("username"),
        required=False,
        empty_label="Any agent",
    )
    product = forms.RegexField(
        regex=r"^[A-Za-z0-9]{2,10}-[A-Za-z0-9]{2,10}$",
        required=False,
        error_messages={"invalid": "A product pair like BTC-USD."},
    )
    code = forms.RegexField(
        regex=r"^[A-Za-z][A-Za-z0-9_]{1,39}$",
        required=False,
        label="Finding code",
        error_messages={"invalid": "A finding code like KEY_UNAUTHORIZED."},
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        max_length=120,
        required=False,
        label="Search",
        help_text="Case reference, correlation id or key prefix.",
    )

    def filters(self) -> QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}

        def day(value, shift=0):
            if not value:
                return None
            return timezone.make_aware(datetime.combine(value + timedelta(days=shift), time.min))

        return QueueFilters(
            status=data.get("status") or "",
            scenario=data["scenario"].pk if data.get("scenario") else None,
            agent=data["agent"].pk if data.get("agent") else None,
            product=data.get("product") or "",
            code=(data.get("code") or "").upper(),
            since=day(data.get("since")),
            until=day(data.get("until"), 1),
            q=data.get("q") or "",
        )
