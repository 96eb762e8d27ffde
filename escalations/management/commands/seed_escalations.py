"""Bulk-create realistic escalations (cases, escalations, search tags) for load and benchmarks.

    python manage.py seed_escalations --count 100000 [--agents 40] [--days 120] [--seed 7]

Rows go in with bulk_create in batches; no packets or notifications are made, so the
queue, filters, search and dashboard see the data without the cost of full documents.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from escalations.models import Escalation, EscalationTag
from escalations.sla import default_targets, due_at
from triage.demo import seed_agents
from triage.models import Case, Scenario

CODES = {
    "api-keys-not-working": [
        "KEY_UNAUTHORIZED",
        "JWT_EXPIRED",
        "JWT_URI_MISMATCH",
        "CLOCK_SKEW",
        "KEY_IP_NOT_ALLOWED",
        "KEY_MISSING_SCOPE",
    ],
    "insufficient-funds": ["INSUFFICIENT_AVAILABLE", "FUNDS_ON_HOLD", "PORTFOLIO_MISMATCH"],
    "pagination-confusion": ["PAGINATION_INCONSISTENT", "RATE_LIMITED"],
    "websocket-auth-rate-limits": [
        "WS_AUTH_FAILED",
        "WS_RATE_LIMITED",
        "WS_SUBSCRIBE_TIMEOUT",
        "WS_DISCONNECTED",
        "WS_SEQUENCE_GAP",
    ],
}
ENDPOINTS = [
    "/api/v3/brokerage/accounts",
    "/api/v3/brokerage/orders",
    "/api/v3/brokerage/orders/historical/batch",
    "/api/v3/brokerage/key_permissions",
]
PRODUCTS = ["BTC-USD", "ETH-USD", "SOL-USD", "ETH-BTC", "DOGE-USD", "USDC-EUR"]
STATUSES = [s for s, _ in Escalation.Status.choices]
BATCH = 5000


class Command(BaseCommand):
    help = "Bulk-create realistic escalations for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--agents", type=int, default=40)
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, count: int, agents: int, days: int, seed: int, **options):
        if count < 1 or count > 2_000_000:
            raise CommandError("--count must be between 1 and 2,000,000.")
        rng = random.Random(seed)
        scenarios = list(Scenario.objects.exclude(slug="other"))
        if not scenarios:
            raise CommandError("No scenarios: run migrations first.")
        users = seed_agents(agents)
        now = timezone.now()
        made = 0
        while made < count:
            size = min(BATCH, count - made)
            with transaction.atomic():
                self._batch(rng, size, scenarios, users, now, days)
            made += size
            self.stdout.write(f"{made}/{count}")
        self.stdout.write(self.style.SUCCESS(f"Created {count} escalations."))


    def _batch(self, rng, size, scenarios, users, now, days):
        plans = []
        for _ in range(size):
            scenario = rng.choice(scenarios)
            opened = now - timedelta(minutes=rng.randint(60, days * 24 * 60))
            submitted = min(now, opened + timedelta(minutes=int(rng.expovariate(1 / 300)) + 5))
            status = rng.choices(STATUSES, weights=[30, 20, 8, 12, 30])[0]
            codes = sorted(
                set(rng.sample(CODES.get(scenario.slug, ["RATE_LIMITED"]), k=rng.randint(1, 2)))
            )
            plans.append((scenario, opened, submitted, status, codes, rng.choice(users)))
        cases = Case.objects.bulk_create(
            [
                Case(
                    subject=f"{scenario.title} ({codes[0]})",
                    scenario=scenario,
                    status=Case.Status.RESOLVED if status == "resolved" else Case.Status.ESCALATED,
                    priority=rng.choice(["urgent", "high", "normal", "normal", "low"]),
                    assignee=agent,
                    created_by=agent,
                    key_prefix=uuid.UUID(int=rng.getrandbits(128)).hex[:8],
                    product_id=rng.choice(PRODUCTS),
                    created_at=opened,
                )
                for scenario, opened, submitted, status, codes, agent in plans
            ],
            batch_size=BATCH,
        )
        escalations = []
        for case, (scenario, opened, submitted, status, codes, agent) in zip(
            cases, plans, strict=True
        ):
            targets = default_targets(case.priority)
            resolved = (
                min(now, submitted + timedelta(hours=rng.randint(1, 96)))
                if status == "resolved"
                else None
            )
            escalations.append(
                Escalation(
                    case=case,
                    agent=agent,
                    status=status,
                    scenario=scenario,
                    priority=case.priority,
                    product_id=case.product_id,
                    key_prefix=case.key_prefix,
                    codes=codes,
                    primary_code=codes[0],
                    completeness=rng.choice([70, 80, 90, 100, 100]),
                    returned_count=1 if status == "info_requested" else 0,
                    case_opened_at=opened,
                    submitted_at=submitted,
                    last_submitted_at=submitted,
                    updated_at=resolved or submitted,
                    resolved_at=resolved,
                    escalation_due_at=due_at(opened, targets.get("escalation")),
                    resolution_due_at=due_at(opened, targets.get("resolution")),
                )
            )
        escalations = Escalation.objects.bulk_create(escalations, batch_size=BATCH)
        tags = []
        for escalation in escalations:
            endpoint = rng.choice(ENDPOINTS)
            kind = EscalationTag.Kind
            values = [(kind.CORRELATION, str(uuid.UUID(int=rng.getrandbits(128))))]
            for code in escalation.codes:
                values += [(kind.CODE, code), (kind.SIGNATURE, f"{code} {endpoint}")]
            tags += [
                EscalationTag(
                    escalation=escalation,
                    kind=k,
                    value=v,
                    key_prefix=escalation.key_prefix,
                    at=escalation.submitted_at,
                )
                for k, v in values
            ]
        EscalationTag.objects.bulk_create(tags, batch_size=BATCH)
