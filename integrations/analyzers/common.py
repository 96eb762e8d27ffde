"""Shared pieces of the evidence analyzers: findings and the result they turn into.

Analyzers are pure functions over `HttpEntry` lists (no ORM, no Celery) that return the
same `CheckResult` as the live diagnostics, so a finding from a pasted log renders in the
same result card as one from a live probe.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

from diagnostics.checks.base import CheckResult, Status
from integrations.evidence.entries import BROKERAGE_PREFIX, HttpEntry

_ID_SEGMENT = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}|[0-9a-fA-F]{24,}|\d+|[A-Z0-9]{2,10}-[A-Z0-9]{2,10})$"
)


@dataclass
class Finding:
    code: str
    status: Status
    message: str
    entries: list[int] = field(default_factory=list)
    at: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = str(self.status)
        return data


def brokerage_path(entry: HttpEntry) -> str | None:
    """The path from /api/v3/brokerage on, whatever host served it; None if not Coinbase."""
    path = entry.path
    at = path.find(BROKERAGE_PREFIX)
    return path[at:] if at >= 0 else None


def endpoint_template(path: str) -> str:
    """`/api/v3/brokerage/orders/historical/<id>` -> `.../orders/historical/{id}`."""
    parts = [
        "{id}" if _ID_SEGMENT.match(part) and part not in ("v3",) else part
        for part in path.split("/")
    ]
    return "/".join(parts)


def timed(entries: list[HttpEntry]) -> list[HttpEntry]:
    return sorted(entries, key=lambda e: (e.started_at is None, e.started_at or 0, e.index))


def seconds_between(earlier: datetime | None, later: datetime | None) -> float | None:
    if earlier is None or later is None:
        return None
    return (later - earlier).total_seconds()


def iso(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def build_result(
    *,
    check_id: str,
    findings: list[Finding],
    examined: int,
    clean_summary: str,
    skipped_summary: str,
    advice: dict[str, str],
    details: dict,
) -> CheckResult:
    codes = sorted({f.code for f in findings})
    if not examined:
        return CheckResult(check_id, Status.SKIPPED, skipped_summary, details=details)
    if not findings:
        return CheckResult(check_id, Status.PASS, clean_summary, details=details)
    status = Status.FAIL if any(f.status == Status.FAIL for f in findings) else Status.WARN
    counts = {code: sum(1 for f in findings if f.code == code) for code in codes}
    summary = (
        f"{findings[0].code}: {findings[0].message}"
        if len(findings) == 1
        else f"{len(findings)} problems: "
        + ", ".join(f"{code} ×{count}" for code, count in counts.items())
    )
    details = {**details, "findings": [f.to_dict() for f in findings]}
    return CheckResult(
        check_id,
        status,
        summary,
        codes=codes,
        details=details,
        advice=" ".join(advice[code] for code in codes if code in advice),
    )
