"""Rate-limit replay: requests per second per endpoint class against the documented limits.

Limits (advanced-trade-reference §3, from a third-party summary of Coinbase's docs, so
treated as guidance): private REST 30 requests/s per API key, public REST 10 requests/s
per IP. Private calls are grouped by the key prefix read from each request's JWT; a file
with no JWTs counts as one key. Every request that arrives while the previous second
already holds `limit` requests of its class would have drawn a 429.
"""

from __future__ import annotations

from collections import deque

from diagnostics.checks.base import CheckResult, Status
from integrations.analyzers.common import (
    Finding,
    brokerage_path,
    build_result,
    endpoint_template,
    iso,
    seconds_between,
    timed,
)
from integrations.evidence.entries import HttpEntry

CHECK_ID = "evidence.rate_limit"
PRIVATE_LIMIT_PER_SECOND = 30
PUBLIC_LIMIT_PER_SECOND = 10
# A retry sooner than this after a 429 (or sooner than its Retry-After) is immediate.
IMMEDIATE_RETRY_SECONDS = 0.5
# Waits between consecutive 429 retries must grow by at least this factor to be backoff.
BACKOFF_GROWTH = 1.5
PUBLIC_PREFIXES = ("/api/v3/brokerage/market/", "/api/v3/brokerage/time")

ADVICE = {
    "RATE_LIMIT_BURST": (
        "Spread calls out: stay under 30 requests/s per key for private endpoints and 10/s "
        "per IP for public ones (a client-side token bucket works well)."
    ),
    "RATE_LIMIT_NO_BACKOFF": (
        "After a 429, wait before retrying (honour Retry-After when sent), then double the "
        "wait on each further 429 with random jitter, up to a cap."
    ),
    "RATE_LIMIT_NO_JITTER": (
        "Retry waits grow but are identical from client to client; add random jitter so "
        "many clients do not retry in lock-step."
    ),
}


def endpoint_class(path: str) -> str:
    return "public" if path.startswith(PUBLIC_PREFIXES) else "private"


def _bursts(group: list[HttpEntry], limit: int, label: str) -> tuple[list[Finding], int]:
    """Find seconds holding more than `limit` calls; return findings and the peak rate."""
    window: deque = deque()
    over: list[HttpEntry] = []
    peak = 0
    for entry in group:
        while window and seconds_between(window[0].started_at, entry.started_at) >= 1.0:
            window.popleft()
        if len(window) >= limit:
            over.append(entry)
        window.append(entry)
        peak = max(peak, len(window))
    findings: list[Finding] = []
    episode: list[HttpEntry] = []
    for entry in over + [None]:
        if entry is not None and (
            not episode or seconds_between(episode[-1].started_at, entry.started_at) < 1.0
        ):
            episode.append(entry)
            continue
        if episode:
            seen_429 = sum(1 for e in episode if e.status == 429)
            findings.append(
                Finding(
                    "RATE_LIMIT_BURST",
                    Status.WARN,
                    f"{label}: {len(episode)} request(s) beyond {limit}/s starting "
                    f"{iso(episode[0].started_at)} would have drawn 429s "
                    f"({seen_429} did).",
                    [e.index for e in episode],
                    iso(episode[0].started_at),
                )
            )
        episode = [entry] if entry is not None else []
    return findings, peak


def _retry_after(entry: HttpEntry) -> float:
    try:
        return float(entry.response_headers.get("retry-after", 0))
    except ValueError:
        return 0.0


def _backoff(entries: list[HttpEntry]) -> list[Finding]:
    """Check what followed each 429 on the same endpoint."""
    by_endpoint: dict[tuple[str, str], list[HttpEntry]] = {}
    for entry in entries:
        by_endpoint.setdefault((entry.method, entry.path), []).append(entry)
    findings: list[Finding] = []
    for (method, path), calls in by_endpoint.items():
        label = f"{method} {endpoint_template(brokerage_path(calls[0]) or path)}"
        waits: list[float] = []
        chain: list[HttpEntry] = []
        immediate: list[tuple[HttpEntry, HttpEntry, float, float]] = []
        for current, following in zip(calls, calls[1:] + [None], strict=True):
            if current.status != 429 or following is None:
                if current.status != 429:
                    findings.extend(_judge_chain(label, chain, waits))
                    waits, chain = [], []
                continue
            wait = seconds_between(current.ended_at, following.started_at)
            if wait is None:
                continue
            needed = max(IMMEDIATE_RETRY_SECONDS, _retry_after(current))
            if wait < needed:
                immediate.append((current, following, wait, needed))
            chain.append(current)
            waits.append(wait)
        findings.extend(_judge_chain(label, chain, waits))
        if immediate:
            first = immediate[0]
            findings.append(
                Finding(
                    "RATE_LIMIT_NO_BACKOFF",
                    Status.FAIL,
                    f"{label}: {len(immediate)} retr{'y' if len(immediate) == 1 else 'ies'} "
                    f"sent right after a 429 (first after {first[2] * 1000:.0f} ms; needed at "
                    f"least {first[3]:g} s).",
                    sorted({e.index for pair in immediate for e in pair[:2]}),
                    iso(first[1].started_at),
                )
            )
    return findings


def _judge_chain(label: str, chain: list[HttpEntry], waits: list[float]) -> list[Finding]:
    """Three or more 429s in a row: waits must grow, and not by an exact constant factor."""
    if len(waits) < 3 or any(w < IMMEDIATE_RETRY_SECONDS for w in waits):
        return []
    indexes = [e.index for e in chain]
    if not all(b >= a * BACKOFF_GROWTH for a, b in zip(waits, waits[1:], strict=False)):
        listed = ", ".join(f"{w:.1f}" for w in waits)
        return [
            Finding(
                "RATE_LIMIT_NO_BACKOFF",
                Status.FAIL,
                f"{label}: {len(chain)} 429s in a row retried after {listed} s — the wait "
                "does not grow.",
                indexes,
                iso(chain[0].started_at),
            )
        ]
    ratios = [b / a for a, b in zip(waits, waits[1:], strict=False) if a > 0]
    if ratios and max(ratios) - min(ratios) < 0.02 * max(ratios):
        return [
            Finding(
                "RATE_LIMIT_NO_JITTER",
                Status.WARN,
                f"{label}: retry waits grow by exactly ×{ratios[0]:.2f} each time (no jitter).",
                indexes,
                iso(chain[0].started_at),
            )
        ]
    return []


def rate_limit_replay(
    entries: list[HttpEntry],
    *,
    private_limit: int = PRIVATE_LIMIT_PER_SECOND,
    public_limit: int = PUBLIC_LIMIT_PER_SECOND,
) -> CheckResult:
    """Replay timed Advanced Trade calls against the limits and check 429 handling."""
    calls = [e for e in timed(entries) if e.started_at is not None and brokerage_path(e)]
    groups: dict[tuple[str, str], list[HttpEntry]] = {}
    for entry in calls:
        cls = endpoint_class(brokerage_path(entry))
        scope = (entry.key_prefix or "key") if cls == "private" else "ip"
        groups.setdefault((cls, scope), []).append(entry)
    findings: list[Finding] = []
    peaks = []
    for (cls, scope), group in groups.items():
        limit = private_limit if cls == "private" else public_limit
        label = f"{cls} endpoints" + (f" (key {scope}…)" if cls == "private" and scope != "key"
                                      else "")
        burst_findings, peak = _bursts(group, limit, label)
        findings.extend(burst_findings)
        peaks.append({"class": cls, "scope": scope, "calls": len(group), "peak_per_second": peak,
                      "limit_per_second": limit})
    per_endpoint: dict[str, int] = {}
    for entry in calls:
        key = f"{entry.method} {endpoint_template(brokerage_path(entry))}"
        per_endpoint[key] = per_endpoint.get(key, 0) + 1
    findings.extend(_backoff(calls))
    findings.sort(key=lambda f: (f.at, f.code))
    return build_result(
        check_id=CHECK_ID,
        findings=findings,
        examined=len(calls),
        clean_summary="Request rates stay under the documented limits and 429s were backed "
        "off.",
        skipped_summary="No timed Advanced Trade calls in this evidence.",
        advice=ADVICE,
        details={
            "classes": peaks,
            "endpoints": per_endpoint,
            "status_429": sum(1 for e in calls if e.status == 429),
            "limits_note": "Limits per the reference doc: 30/s private per key, 10/s public "
            "per IP (third-party summary).",
        },
    )
