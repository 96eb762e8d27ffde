"""Incident radar: many developers failing the same way at the same time.

When signals (submitted escalations or failed diagnostic checks) from enough distinct key
prefixes share one failure signature (finding code and endpoint) within a time window,
that is the module's "widespread subscription issues / instability across multiple
developers". Thresholds are settings, read at call time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings


@dataclass(frozen=True)
class Signal:
    key_prefix: str
    code: str
    endpoint: str
    at: datetime
    ref: str  # "escalation:12" or "run:34"
    label: str = ""  # what a lead reads: a case reference
    url: str = ""


@dataclass
class Incident:
    code: str
    endpoint: str
    prefixes: list[str]
    first_at: datetime
    last_at: datetime
    signals: list[Signal] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.code}|{self.endpoint}"

    @property
    def refs(self) -> list[str]:
        return [s.ref for s in self.signals]


def radar_thresholds() -> tuple[int, timedelta]:
    """(minimum distinct key prefixes, window), from settings at call time."""
    minimum = int(getattr(settings, "ESCALATIONS_RADAR_MIN_PREFIXES", 3))
    minutes = float(getattr(settings, "ESCALATIONS_RADAR_WINDOW_MINUTES", 30))
    return minimum, timedelta(minutes=minutes)


def radar_incidents(
    signals: list[Signal], *, min_prefixes: int | None = None, window: timedelta | None = None
) -> list[Incident]:
    """Group signals by signature; keep the groups where some window holds enough prefixes."""
    default_min, default_window = radar_thresholds()
    min_prefixes = default_min if min_prefixes is None else min_prefixes
    window = default_window if window is None else window
    groups: dict[tuple[str, str], list[Signal]] = defaultdict(list)
    for signal in signals:
        if signal.key_prefix and signal.code:
            groups[(signal.code, signal.endpoint)].append(signal)
    incidents = []
    for (code, endpoint), members in groups.items():
        members.sort(key=lambda s: (s.at, s.ref))
        hit: set[int] = set()
        end = 0
        for start in range(len(members)):
            end = max(end, start)
            while end + 1 < len(members) and members[end + 1].at - members[start].at <= window:
                end += 1
            prefixes = {m.key_prefix for m in members[start : end + 1]}
            if len(prefixes) >= min_prefixes:
                hit.update(range(start, end + 1))
        if not hit:
            continue
        chosen = [members[i] for i in sorted(hit)]
        incidents.append(
            Incident(
                code=code,
                endpoint=endpoint,
                prefixes=sorted({s.key_prefix for s in chosen}),
                first_at=chosen[0].at,
                last_at=chosen[-1].at,
                signals=chosen,
            )
        )
    incidents.sort(key=lambda i: (-len(i.prefixes), i.code, i.endpoint))
    return incidents


def prefixes_by_code(signals: list[Signal]) -> dict[str, set[str]]:
    """Distinct key prefixes per finding code: the "how widespread" input of the criteria."""
    spread: dict[str, set[str]] = defaultdict(set)
    for signal in signals:
        if signal.key_prefix:
            spread[signal.code].add(signal.key_prefix)
    return dict(spread)
