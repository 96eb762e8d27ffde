"""seed_bench_cases: realistic bulk data for benchmarks, and the case list's progress counts
over it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from triage import selectors
from triage.models import Case, CaseChecklistItem, ChecklistItem, ItemState, TimelineEvent


@pytest.fixture
def seeded(db):
    out = io.StringIO()
    call_command("seed_bench_cases", cases=60, agents=3, seed=4, stdout=out)
    return out.getvalue()


def test_every_case_carries_every_current_checklist_item(seeded):
    items = ChecklistItem.objects.count()
    cases = Case.objects.all()
    assert cases.count() == 60
    assert CaseChecklistItem.objects.count() == 60 * items
    assert f"Created 60 cases with {60 * items} checklist item states." in seeded
    per_case = {c.pk: c.checklist_items.count() for c in cases}
    assert set(per_case.values()) == {items}
    assert TimelineEvent.objects.filter(kind=TimelineEvent.Kind.CREATED).count() == 60


def test_states_follow_the_case(seeded):
    rows = CaseChecklistItem.objects.select_related("case")
    for row in rows:
        done = row.state != ItemState.PENDING
        assert (row.set_at is not None) == done
        assert (row.set_by_id is not None) == done
        if done:
            assert row.set_at >= row.case.created_at
        if row.case.status == Case.Status.RESOLVED:
            assert done, "a resolved case has walked its whole checklist"
    states = set(rows.values_list("state", flat=True))
    assert {ItemState.PENDING, ItemState.PASS, ItemState.FAIL} <= states


def test_case_list_progress_counts_match_the_rows(seeded):
    listed = {case.pk: case for case in selectors.case_list()}
    assert len(listed) == 60
    for case in listed.values():
        rows = list(CaseChecklistItem.objects.filter(case=case).values_list("state", flat=True))
        assert case.items_total == len(rows)
        assert case.items_done == sum(1 for s in rows if s != ItemState.PENDING)
        assert case.items_failed == sum(1 for s in rows if s == ItemState.FAIL)


def test_a_case_without_checklists_counts_zero(db):
    from tests.fixtures.diagnostics import make_case

    case = make_case(scenario="other")
    row = selectors.case_list().get(pk=case.pk)
    assert (row.items_total, row.items_done, row.items_failed) == (0, 0, 0)


@pytest.mark.parametrize("count", [0, -5, 5_000_001])
def test_out_of_range_counts_are_refused(db, count):
    with pytest.raises(CommandError, match="--cases"):
        call_command("seed_bench_cases", cases=count, stdout=io.StringIO())
