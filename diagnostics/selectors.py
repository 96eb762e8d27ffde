"""Reads for diagnostic runs; each runs a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from diagnostics.checks.base import CHECKS
from diagnostics.models import CheckRun, DiagnosticRun

CASE_RUNS_LIMIT = 10


@dataclass
class RunProgress:
    """A run with its checks and the figures its page shows."""

    run: DiagnosticRun
    checks: list[CheckRun] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.checks)

    @property
    def done(self) -> int:
        return sum(1 for check in self.checks if check.is_finished)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def codes(self) -> list[str]:
        return sorted({code for check in self.checks for code in check.codes})

    @property
    def finished_checks(self) -> list[CheckRun]:
        return [check for check in self.checks if check.is_finished]

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for check in self.checks:
            counts[check.status] = counts.get(check.status, 0) + 1
        return counts


def _runs() -> QuerySet[DiagnosticRun]:
    return DiagnosticRun.objects.select_related("case", "requested_by").prefetch_related(
        Prefetch("check_runs", queryset=CheckRun.objects.order_by("position", "pk"))
    )


def run_get(*, pk: int) -> RunProgress:
    """One run for its page; raises DiagnosticRun.DoesNotExist."""
    run = _runs().get(pk=pk)
    return RunProgress(run=run, checks=list(run.check_runs.all()))


def case_runs(*, case, limit: int = CASE_RUNS_LIMIT) -> list[RunProgress]:
    """The case's latest runs, newest first, earlier ones kept for comparison."""
    runs = _runs().filter(case=case)[:limit]
    return [RunProgress(run=run, checks=list(run.check_runs.all())) for run in runs]


def case_default_checks(*, case) -> list[str]:
    """The checks linked to the case's checklist items (its scenario's), in order."""
    wanted: list[str] = []
    rows = case.checklist_items.select_related("item").order_by(
        "item__version__template__order", "item__order", "pk"
    )
    for row in rows:
        for check_id in row.item.check_ids or []:
            if check_id in CHECKS and check_id not in wanted:
                wanted.append(check_id)
    return wanted


def check_choices() -> list[tuple[str, str]]:
    return [(spec.check_id, spec.title) for spec in CHECKS.values()]
