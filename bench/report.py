"""Shared shape of a benchmark figure and the Markdown table `make bench` prints."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime


@dataclass
class Figure:
    bench: str  # which measurement, e.g. "jwt.inspect throughput"
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    ratio: float | None = None  # value / baseline, computed in the same run
    goal: str = ""  # e.g. "≤ 1.5×"
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def machine() -> dict:
    import psutil

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "database": os.environ.get("DATABASE_URL", "sqlite").split(":", 1)[0],
    }


def fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def markdown(figures: list[Figure], info: dict) -> str:
    lines = [
        f"Measured {info['date']} on {info['cpus']} cores, {info['memory_gb']} GB, "
        f"Python {info['python']}, database {info['database']}, broker "
        f"{info.get('broker', '?')}; the whole run took {info.get('minutes', '?')} min"
        + (f"; machine load average {info['load_average'][0]} at the start, "
           f"{info['load_average'][1]} at the end (the machine is shared)."
           if info.get("load_average") else "."),
        "",
        "| Measure | Value | Baseline (same run) | Ratio | Goal | Met |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        baseline = f"{fmt(f.baseline)} {f.unit} ({f.baseline_name})" if f.baseline_name else "–"
        met = {True: "yes", False: "**no**", None: "–"}[f.met]
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else "–"
        goal = f.goal or "–"
        value = f"{fmt(f.value)} {f.unit}"
        lines.append(f"| {f.bench} | {value} | {baseline} | {ratio} | {goal} | {met} |")
    missed = [f for f in figures if f.met is False]
    if missed:
        lines += ["", "Goals missed:"]
        lines += [f"- {f.bench}: {f.note or 'see bench output'}" for f in missed]
    return "\n".join(lines)
