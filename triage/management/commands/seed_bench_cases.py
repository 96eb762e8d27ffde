"""Bulk-create realistic cases with their checklist item states, for benchmarks and load runs.

    python manage.py seed_bench_cases --cases 100000 [--agents 40] [--days 365] [--seed 11]

Every case carries all current Module 2 checklists (one item state per checklist item),
with states that follow the case's age and status: old and resolved cases are walked
through, new ones mostly pending. Each case gets a short timeline. Rows go in with
bulk_create in batches inside one transaction per batch, so 100,000 cases and their
item states take minutes, not hours. History rows and signals are skipped on purpose.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from triage.demo import seed_agents
from triage.models import (
    Case,
    CaseChecklistItem,
    ChecklistItem,
    ChecklistTemplate,
    ItemState,
    Scenario,
    TimelineEvent,
)

BATCH = 2000
PRODUCTS = ["BTC-USD", "ETH-USD", "SOL-USD", "ETH-BTC", "DOGE-USD", "USDC-EUR", ""]
SUBJECTS = {
    "api-keys-not-working": ["401 on every private call", "Key works in Postman, not in code",
                             "Unauthorized after rotating keys", "JWT rejected from server"],
    "insufficient-funds": ["INSUFFICIENT_FUND on a small buy", "Balance shows funds, order fails",
                           "Sell rejected although BTC is there"],
    "pagination-confusion": ["Fills missing past page 2", "Cursor returns the same page",
                             "has_next true forever"],
    "websocket-auth-rate-limits": ["User channel closes after 2 minutes",
                                   "level2 sequence gaps", "WebSocket subscribe ignored"],
    "other": ["Question about order types", "Sandbox vs production confusion"],
}
STATUS_WEIGHTS = {Case.Status.RESOLVED: 55, Case.Status.OPEN: 20, Case.Status.DIAGNOSING: 15,
                  Case.Status.ESCALATED: 10}
PRIORITIES = [Case.Priority.URGENT, Case.Priority.HIGH, Case.Priority.NORMAL,
              Case.Priority.NORMAL, Case.Priority.NORMAL, Case.Priority.LOW]


class Command(BaseCommand):
    help = "Bulk-create cases with checklist item states and timelines for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--agents", type=int, default=40)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, cases: int, agents: int, days: int, seed: int, **options):
        if not 1 <= cases <= 5_000_000:
            raise CommandError("--cases must be between 1 and 5,000,000.")
        if agents < 1:
            raise CommandError("--agents must be at least 1.")
        items = list(
            ChecklistItem.objects.filter(version__template__in=ChecklistTemplate.objects.all())
            .order_by("version__template__order", "order")
            .select_related("version")
        )
        current = {}
        for item in items:  # the newest version of each template only
            template = item.version.template_id
            if template not in current or item.version.number > current[template]:
                current[template] = item.version.number
        items = [i for i in items if i.version.number == current[i.version.template_id]]
        scenarios = list(Scenario.objects.all())
        if not items or not scenarios:
            raise CommandError("No checklists or scenarios: run migrations first.")
        rng = random.Random(seed)
        users = seed_agents(agents)
        now = timezone.now()
        made = states = 0
        while made < cases:
            size = min(BATCH, cases - made)
            with transaction.atomic():
                states += self._batch(rng, size, scenarios, items, users, now, days)
            made += size
            if made % 20000 == 0 or made == cases:
                self.stdout.write(f"{made}/{cases} cases, {states} item states")
        self.stdout.write(self.style.SUCCESS(
            f"Created {cases} cases with {states} checklist item states."))


    def _batch(self, rng, size, scenarios, items, users, now, days) -> int:
        statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        plans = []
        for _ in range(size):
            scenario = rng.choice(scenarios)
            age = timedelta(minutes=int(rng.random() ** 2 * days * 24 * 60) + 5)
            status = rng.choices(statuses, weights)[0]
            if age < timedelta(days=2) and status == Case.Status.RESOLVED:
                status = Case.Status.OPEN
            plans.append((scenario, now - age, status, rng.choice(users)))
        cases = Case.objects.bulk_create([
            Case(
                subject=rng.choice(SUBJECTS.get(scenario.slug, SUBJECTS["other"])),
                external_ticket=f"ZD-{rng.randint(10000, 999999)}",
                scenario=scenario, status=status, priority=rng.choice(PRIORITIES),
                assignee=agent, created_by=agent,
                key_prefix=uuid.UUID(int=rng.getrandbits(128)).hex[:8],
                product_id=rng.choice(PRODUCTS), created_at=opened,
                resolution="Customer confirmed the fix." if status == Case.Status.RESOLVED else "",
            )
            for scenario, opened, status, agent in plans
        ], batch_size=BATCH)
        rows, events = [], []
        for case, (scenario, opened, status, agent) in zip(cases, plans, strict=True):
            walked = 1.0 if status == Case.Status.RESOLVED else rng.random()
            for item in items:
                done = rng.random() < walked
                state = rng.choices([ItemState.PASS, ItemState.FAIL, ItemState.NA],
                                    [70, 15, 15])[0] if done else ItemState.PENDING
                set_at = opened + timedelta(minutes=rng.randint(1, 240)) if done else None
                rows.append(CaseChecklistItem(
                    case=case, item=item, state=state, set_by=agent if done else None,
                    set_at=set_at, note="Checked with the customer." if done and
                    rng.random() < 0.1 else "",
                ))
            events.append(TimelineEvent(case=case, kind=TimelineEvent.Kind.CREATED, actor=agent,
                                        summary=f"Case opened: {scenario.title}",
                                        data={"scenario": scenario.slug}, at=opened))
            events.append(TimelineEvent(case=case, kind=TimelineEvent.Kind.ITEM_SET, actor=agent,
                                        summary="Checklist items set", at=opened +
                                        timedelta(minutes=30)))
            if status != Case.Status.OPEN:
                events.append(TimelineEvent(
                    case=case, kind=TimelineEvent.Kind.STATUS, actor=agent,
                    summary=f"Status: Open → {status.label}", at=opened + timedelta(hours=2),
                    data={"to": status.value}))
        CaseChecklistItem.objects.bulk_create(rows, batch_size=BATCH * 4)
        TimelineEvent.objects.bulk_create(events, batch_size=BATCH * 4)
        return len(rows)
