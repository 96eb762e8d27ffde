"""Reads for the triage workspace; each returns rows with what the templates need preloaded."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from triage.models import (
    Case,
    CaseChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    CollectItem,
    EscalationCriterion,
    Evidence,
    ItemState,
    Scenario,
    TimelineEvent,
)

TIMELINE_LIMIT = 50


def _item_count(*, exclude_state: str = "", state: str = "") -> Coalesce:
    """Checklist items of the outer case, as a correlated subquery.

    A subquery per listed row instead of a join + GROUP BY over every filtered case: the
    database counts items only for the rows of the page it returns, and the paginator's
    count skips it.
    """
    rows = CaseChecklistItem.objects.filter(case=OuterRef("pk"))
    if state:
        rows = rows.filter(state=state)
    if exclude_state:
        rows = rows.exclude(state=exclude_state)
    rows = rows.order_by().values("case").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def case_queryset() -> QuerySet[Case]:
    """Cases with scenario and people joined and checklist progress annotated."""
    return Case.objects.select_related("scenario", "assignee", "created_by").annotate(
        items_total=_item_count(),
        items_done=_item_count(exclude_state=ItemState.PENDING),
        items_failed=_item_count(state=ItemState.FAIL),
    )


def case_list(*, include_practice: bool = False) -> QuerySet[Case]:
    # Aggregating queries ignore Meta.ordering, so the list order is explicit.
    qs = case_queryset().order_by("-created_at", "-pk")
    return qs if include_practice else qs.filter(is_practice=False)


def case_get(*, pk: int) -> Case:
    """One case for its page; raises Case.DoesNotExist."""
    return Case.objects.select_related("scenario", "assignee", "created_by").get(pk=pk)


@dataclass
class ChecklistProgress:
    """One checklist (template version) on a case, with its items and progress."""

    template: ChecklistTemplate
    version: ChecklistTemplateVersion
    items: list[CaseChecklistItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for row in self.items if row.is_done)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.items if row.state == ItemState.FAIL)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def dom_id(self) -> str:
        return f"checklist-{self.template.slug}"


def _case_item_rows(*, case: Case) -> QuerySet[CaseChecklistItem]:
    return (
        CaseChecklistItem.objects.filter(case=case)
        .select_related("item__version__template", "set_by")
        .order_by("item__version__template__order", "item__order", "pk")
    )


def case_checklists(*, case: Case, template_id: int | None = None) -> list[ChecklistProgress]:
    """The case's checklists in template order, each with its items (one query)."""
    rows = _case_item_rows(case=case)
    if template_id is not None:
        rows = rows.filter(item__version__template_id=template_id)
    groups: dict[int, ChecklistProgress] = {}
    for row in rows:
        row.case = case
        version = row.item.version
        group = groups.setdefault(
            version.pk, ChecklistProgress(template=version.template, version=version)
        )
        group.items.append(row)
    return list(groups.values())


def case_item_get(*, case: Case, pk: int) -> CaseChecklistItem:
    row = _case_item_rows(case=case).get(pk=pk)
    row.case = case
    return row


def case_evidence(*, case: Case) -> QuerySet[Evidence]:
    return Evidence.objects.filter(case=case).select_related("added_by")


def case_timeline(*, case: Case, limit: int = TIMELINE_LIMIT) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(case=case).select_related("actor")[:limit])


def case_missing_checklists(*, case: Case) -> QuerySet[ChecklistTemplate]:
    """Templates not yet on the case (to add one that fits)."""
    present = CaseChecklistItem.objects.filter(case=case).values("item__version__template")
    templates = ChecklistTemplate.objects.exclude(pk__in=present)
    return templates.filter(versions__isnull=False).distinct()


def scenario_list() -> QuerySet[Scenario]:
    return Scenario.objects.prefetch_related(
        Prefetch("recommended_checklists", queryset=ChecklistTemplate.objects.order_by("order"))
    )


def checklist_current_items(*, template: ChecklistTemplate):
    version = template.current_version()
    return version.items.all() if version else []


def collect_items() -> QuerySet[CollectItem]:
    return CollectItem.objects.all()


def escalation_criteria() -> QuerySet[EscalationCriterion]:
    return EscalationCriterion.objects.all()


def case_collected(*, case: Case) -> dict[str, bool]:
    """Which collect-list entries backed by a case field are filled in."""
    return {
        item.key: bool(getattr(case, item.case_field, None))
        for item in collect_items()
        if item.case_field
    }
