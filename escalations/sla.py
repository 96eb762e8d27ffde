"""SLA timers: time to first diagnosis, to escalation and to resolution.

Targets are minutes per stage; they come from SlaTarget rows (per scenario and priority)
or from the `ESCALATIONS_SLA_DEFAULTS` setting. The arithmetic here is plain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

STAGES = (
    ("first_diagnosis", "First diagnosis"),
    ("escalation", "Escalation"),
    ("resolution", "Resolution"),
)

FALLBACK_TARGETS = {
    # minutes: first diagnosis, escalation, resolution
    "urgent": {"first_diagnosis": 30, "escalation": 120, "resolution": 8 * 60},
    "high": {"first_diagnosis": 60, "escalation": 4 * 60, "resolution": 24 * 60},
    "normal": {"first_diagnosis": 4 * 60, "escalation": 24 * 60, "resolution": 3 * 24 * 60},
    "low": {"first_diagnosis": 8 * 60, "escalation": 48 * 60, "resolution": 7 * 24 * 60},
}


@dataclass(frozen=True)
class Timer:
    stage: str
    label: str
    due_at: datetime | None
    done_at: datetime | None
    state: str  # "met" | "breached" | "running" | "overdue" | "none"
    remaining: timedelta | None

    @property
    def is_breached(self) -> bool:
        return self.state in ("breached", "overdue")

    @property
    def remaining_text(self) -> str:
        if self.remaining is None:
            return ""
        seconds = int(abs(self.remaining.total_seconds()))
        hours, rest = divmod(seconds, 3600)
        text = f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m"
        return text if self.remaining.total_seconds() >= 0 else f"-{text}"


def default_targets(priority: str) -> dict[str, int]:
    """Targets for a priority from settings (read now), else the built-in table."""
    table = getattr(settings, "ESCALATIONS_SLA_DEFAULTS", None) or FALLBACK_TARGETS
    return dict(table.get((priority or "").lower()) or table.get("normal") or {})


def due_at(opened_at: datetime | None, minutes: int | None) -> datetime | None:
    if opened_at is None or minutes is None:
        return None
    return opened_at + timedelta(minutes=minutes)


def sla_timers(
    *,
    targets: dict[str, int | None],
    opened_at: datetime | None,
    milestones: dict[str, datetime | None],
    now: datetime,
) -> list[Timer]:
    """One timer per stage, measured from the case's opening."""
    timers = []
    for stage, label in STAGES:
        due = due_at(opened_at, targets.get(stage))
        done = milestones.get(stage)
        if due is None:
            state, remaining = "none", None
        elif done is not None:
            state, remaining = ("met" if done <= due else "breached"), None
        else:
            remaining = due - now
            state = "running" if remaining.total_seconds() >= 0 else "overdue"
        timers.append(Timer(stage, label, due, done, state, remaining))
    return timers
