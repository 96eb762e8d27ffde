import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from triage.forms import staff_users
from triage.models import Case, Evidence, Scenario


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "CASE-000123, key prefix, ticket, request id"}
        ),
    )
    status = django_filters.ChoiceFilter(choices=Case.Status.choices, empty_label="Any status")
    scenario = django_filters.ModelChoiceFilter(
        queryset=Scenario.objects.all(), empty_label="Any scenario"
    )
    assignee = django_filters.ModelChoiceFilter(
        queryset=lambda request: staff_users(), empty_label="Anyone"
    )
    priority = django_filters.ChoiceFilter(
        choices=Case.Priority.choices, empty_label="Any priority"
    )

    class Meta:
        model = Case
        fields = ["q", "status", "scenario", "assignee", "priority"]

    def search(self, queryset, name, value):
        value = value.strip()[:200]
        if not value:
            return queryset
        pk = Case.pk_from_reference(value)
        matches = (
            Q(key_prefix__istartswith=value[:16])
            | Q(external_ticket__icontains=value)
            | Q(subject__icontains=value)
            | Exists(
                Evidence.objects.filter(case=OuterRef("pk"), correlation_ids__icontains=value)
            )
        )
        if pk is not None:
            matches |= Q(pk=pk)
        return queryset.filter(matches)
