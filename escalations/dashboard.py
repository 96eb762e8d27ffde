"""Team dashboard figures and the geometry of its server-rendered SVG charts."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek

from escalations.models import Escalation, EscalationTag, ReviewEvent

WEEKS = 8
PALETTE = ["#1652f0", "#137333", "#a15c00", "#b3261e", "#6f42c1", "#00838f"]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int | float
    label: str
    color: str = PALETTE[0]


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)  # (x, text) under the axis
    legend: list[tuple[str, str]] = field(default_factory=list)  # (color, text)
    unit: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(b.value for b in self.bars)


def bar_chart(title: str, items: list[tuple[str, float]], *, unit: str = "") -> Chart:
    """Horizontal label under each vertical bar; heights scaled to the largest value."""
    width, height, pad = 640, 220, 24
    chart = Chart(title, width, height + 40, unit=unit)
    top = max((v for _, v in items), default=0) or 1
    slot = (width - 2 * pad) / max(len(items), 1)
    for index, (label, value) in enumerate(items):
        bar_height = (height - pad) * value / top
        x = pad + index * slot + slot * 0.15
        chart.bars.append(
            Bar(
                round(x, 1),
                round(height - bar_height, 1),
                round(slot * 0.7, 1),
                round(bar_height, 1),
                value,
                label,
            )
        )
        chart.labels.append((round(x + slot * 0.35, 1), label))
    return chart


def stacked_weeks(
    title: str, weeks: list[datetime], series: dict[str, dict[datetime, int]]
) -> Chart:
    width, height, pad = 640, 220, 24
    chart = Chart(title, width, height + 40)
    totals = [sum(s.get(w, 0) for s in series.values()) for w in weeks]
    top = max(totals, default=0) or 1
    slot = (width - 2 * pad) / max(len(weeks), 1)
    for index, week in enumerate(weeks):
        y = float(height)
        x = pad + index * slot + slot * 0.15
        for number, (name, counts) in enumerate(sorted(series.items())):
            value = counts.get(week, 0)
            if not value:
                continue
            bar_height = (height - pad) * value / top
            y -= bar_height
            chart.bars.append(
                Bar(
                    round(x, 1),
                    round(y, 1),
                    round(slot * 0.7, 1),
                    round(bar_height, 1),
                    value,
                    f"{name}, week of {week:%d %b}",
                    PALETTE[number % len(PALETTE)],
                )
            )
        chart.labels.append((round(x + slot * 0.35, 1), f"{week:%d %b}"))
    chart.legend = [(PALETTE[n % len(PALETTE)], name) for n, name in enumerate(sorted(series))]
    return chart


def _week_starts(now: datetime) -> list[datetime]:
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def dashboard_metrics(*, now: datetime) -> dict:
    """Everything on the dashboard; practice escalations are left out."""
    weeks = _week_starts(now)
    since = weeks[0]
    rows = Escalation.objects.filter(is_practice=False, submitted_at__gte=since)
    per_week: dict[str, dict[datetime, int]] = {}
    for week, title, count in (
        rows.annotate(week=TruncWeek("submitted_at"))
        .values_list("week", "scenario__title")
        .annotate(n=Count("id"))
        .values_list("week", "scenario__title", "n")
    ):
        per_week.setdefault(title, {})[week.replace(hour=0, minute=0, second=0, microsecond=0)] = (
            count
        )
    durations = [
        (submitted - opened).total_seconds() / 3600
        for submitted, opened in rows.values_list("submitted_at", "case_opened_at")
    ]
    median_hours = statistics.median(durations) if durations else None
    top_codes = list(
        EscalationTag.objects.filter(
            kind=EscalationTag.Kind.CODE, at__gte=since, escalation__is_practice=False
        )
        .values_list("value")
        .annotate(n=Count("id"))
        .order_by("-n", "value")[:8]
    )
    returned = dict(
        ReviewEvent.objects.filter(
            action=ReviewEvent.Action.INFO_REQUESTED, at__gte=since, escalation__is_practice=False
        )
        .annotate(week=TruncWeek("at"))
        .values_list("week")
        .annotate(n=Count("id"))
        .values_list("week", "n")
    )
    returned = {
        w.replace(hour=0, minute=0, second=0, microsecond=0): n for w, n in returned.items()
    }
    breaches = rows.aggregate(
        escalation=Count("id", filter=Q(submitted_at__gt=F("escalation_due_at"))),
        resolution=Count(
            "id",
            filter=Q(resolved_at__isnull=True, resolution_due_at__lt=now)
            | Q(resolved_at__gt=F("resolution_due_at")),
        ),
        total=Count("id"),
    )
    return {
        "since": since,
        "total": breaches["total"],
        "median_hours": median_hours,
        "breaches": breaches,
        "returned_total": sum(returned.values()),
        "per_scenario_chart": stacked_weeks("Escalations per scenario per week", weeks, per_week),
        "codes_chart": bar_chart("Top finding codes", [(c, n) for c, n in top_codes]),
        "returned_chart": bar_chart(
            "Packets returned for more information",
            [(f"{w:%d %b}", returned.get(w, 0)) for w in weeks],
        ),
        "top_codes": top_codes,
    }
