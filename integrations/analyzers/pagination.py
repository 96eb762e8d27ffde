"""Pagination replay: walk a customer's list calls and name what went wrong.

Covers the cursor-paginated lists: `/accounts`, `/orders/historical/batch` (both answer
`has_next` and `cursor`) and `/orders/historical/fills` (answers `cursor` only; an empty
cursor is the end). Calls are grouped into streams by endpoint and filters (every query
parameter except `cursor` and `limit`), then replayed in time order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diagnostics.checks.base import CheckResult, Status
from integrations.analyzers.common import (
    Finding,
    brokerage_path,
    build_result,
    iso,
    seconds_between,
    timed,
)
from integrations.evidence.entries import HttpEntry

CHECK_ID = "evidence.pagination"
LIST_ENDPOINTS = {
    "/api/v3/brokerage/accounts": "accounts",
    "/api/v3/brokerage/orders/historical/batch": "orders",
    "/api/v3/brokerage/orders/historical/fills": "fills",
}
# A request for the first page this soon after a page that said "more" is a restart or an
# ignored cursor; later than this it is a new walk and the previous one stopped early.
WALK_GAP_SECONDS = 30.0
# The same page fetched this many times in a row, each within the interval, is polling.
POLL_MIN_FETCHES = 3
POLL_INTERVAL_SECONDS = 10.0

ADVICE = {
    "PAGINATION_CURSOR_REUSED": (
        "Send the cursor from the latest response, never one already used: reusing a cursor "
        "returns the same page again (duplicated accounts or orders)."
    ),
    "PAGINATION_CURSOR_IGNORED": (
        "When a response says has_next=true, pass its cursor on the next call; asking for the "
        "first page again never reaches the rest of the list."
    ),
    "PAGINATION_LIMIT_CHANGED": (
        "Keep limit (and every filter) the same on every page of one walk; start a new walk "
        "without a cursor to change page size."
    ),
    "PAGINATION_RESTARTED": (
        "The walk went back to the first page before reaching the end; finish a walk (until "
        "has_next is false or the cursor is empty) before starting another."
    ),
    "PAGINATION_STOPPED_EARLY": (
        "The last page fetched still said has_next=true (or returned a cursor for fills); "
        "keep paging until it does not, or results are missing."
    ),
    "PAGINATION_REDUNDANT_POLLING": (
        "The same page was fetched repeatedly within seconds; use the user WebSocket channel "
        "for order updates, or poll less often with backoff."
    ),
}


@dataclass
class _Walk:
    limit: str | None
    advanced: bool = False
    cursors_sent: set[str] = field(default_factory=set)
    cursors_returned: set[str] = field(default_factory=set)


def _more(entry: HttpEntry, kind: str) -> bool | None:
    """Did this page say there is another one?"""
    if entry.page.has_next is not None:
        return entry.page.has_next
    if kind == "fills" and entry.page.next_cursor is not None:
        return bool(entry.page.next_cursor)
    return None


def _streams(entries: list[HttpEntry]) -> dict[tuple, list[HttpEntry]]:
    streams: dict[tuple, list[HttpEntry]] = {}
    for entry in timed(entries):
        path = brokerage_path(entry)
        kind = LIST_ENDPOINTS.get((path or "").rstrip("/"))
        if not kind or entry.method != "GET":
            continue
        if entry.status is not None and not 200 <= entry.status < 300:
            continue
        filters = tuple(
            sorted((k, tuple(v)) for k, v in entry.query.items() if k not in ("cursor", "limit"))
        )
        streams.setdefault((kind, filters), []).append(entry)
    return streams


def _replay_stream(kind: str, stream: list[HttpEntry]) -> list[Finding]:
    findings: list[Finding] = []
    flagged: set[int] = set()
    walk: _Walk | None = None
    prev: HttpEntry | None = None

    def add(code: str, status: Status, message: str, *items: HttpEntry) -> None:
        findings.append(
            Finding(code, status, message, [i.index for i in items], iso(items[-1].started_at))
        )

    for entry in stream:
        cursor = entry.page.cursor_sent
        if cursor is None:
            if prev is not None and _more(prev, kind) is True:
                gap = seconds_between(prev.ended_at, entry.started_at)
                if gap is not None and gap > WALK_GAP_SECONDS:
                    add("PAGINATION_STOPPED_EARLY", Status.FAIL,
                        f"{kind}: the walk stopped while has_next was true.", prev)
                elif walk and walk.advanced:
                    add("PAGINATION_RESTARTED", Status.FAIL,
                        f"{kind}: went back to the first page before the last one.", prev, entry)
                    flagged.add(entry.index)
                else:
                    add("PAGINATION_CURSOR_IGNORED", Status.FAIL,
                        f"{kind}: the first page said has_next=true, but the next call asked "
                        "for the first page again without its cursor.", prev, entry)
                    flagged.add(entry.index)
            walk = _Walk(limit=entry.page.limit)
        else:
            if walk is None:
                walk = _Walk(limit=entry.page.limit, advanced=True)
            repeat_of_last_page = (
                prev is not None and prev.page.cursor_sent == cursor and _more(prev, kind) is False
            )
            if cursor in walk.cursors_sent and not repeat_of_last_page:
                add("PAGINATION_CURSOR_REUSED", Status.FAIL,
                    f"{kind}: a cursor was sent again, so the same page came back twice.", entry)
                flagged.add(entry.index)
            elif (
                prev is not None
                and prev.page.next_cursor
                and cursor != prev.page.next_cursor
                and cursor in walk.cursors_returned
            ):
                add("PAGINATION_CURSOR_REUSED", Status.FAIL,
                    f"{kind}: an older cursor was sent instead of the latest one.", entry)
                flagged.add(entry.index)
            if entry.page.limit != walk.limit:
                add("PAGINATION_LIMIT_CHANGED", Status.WARN,
                    f"{kind}: limit changed from {walk.limit or 'default'} to "
                    f"{entry.page.limit or 'default'} in the middle of a walk.", entry)
            walk.advanced = True
            walk.cursors_sent.add(cursor)
        if entry.page.next_cursor:
            walk.cursors_returned.add(entry.page.next_cursor)
        prev = entry
    if prev is not None and _more(prev, kind) is True:
        add("PAGINATION_STOPPED_EARLY", Status.FAIL,
            f"{kind}: the last page fetched still said there was more.", prev)
    findings.extend(_polling(kind, stream, flagged))
    return findings


def _polling(kind: str, stream: list[HttpEntry], flagged: set[int]) -> list[Finding]:
    findings = []
    run: list[HttpEntry] = []

    def close_run() -> None:
        if len(run) >= POLL_MIN_FETCHES:
            span = seconds_between(run[0].started_at, run[-1].started_at) or 0.0
            findings.append(
                Finding(
                    "PAGINATION_REDUNDANT_POLLING",
                    Status.WARN,
                    f"{kind}: the same page was fetched {len(run)} times in {span:.0f} s.",
                    [e.index for e in run],
                    iso(run[0].started_at),
                )
            )

    for entry in stream:
        if entry.index in flagged:
            close_run()
            run = []
            continue
        same = run and (entry.page.cursor_sent, entry.page.limit) == (
            run[-1].page.cursor_sent,
            run[-1].page.limit,
        )
        gap = seconds_between(run[-1].started_at, entry.started_at) if run else None
        if same and gap is not None and gap <= POLL_INTERVAL_SECONDS:
            run.append(entry)
        else:
            close_run()
            run = [entry]
    close_run()
    return findings


def pagination_replay(entries: list[HttpEntry]) -> CheckResult:
    """Replay list calls (accounts, orders, fills) and report pagination mistakes."""
    findings: list[Finding] = []
    streams = _streams(entries)
    summary = []
    for (kind, filters), stream in streams.items():
        findings.extend(_replay_stream(kind, stream))
        summary.append({"endpoint": kind, "filters": dict(filters), "calls": len(stream)})
    findings.sort(key=lambda f: (f.entries[:1], f.code))
    return build_result(
        check_id=CHECK_ID,
        findings=findings,
        examined=sum(len(s) for s in streams.values()),
        clean_summary="List calls follow cursors to the end with a steady limit.",
        skipped_summary="No accounts, orders or fills list calls in this evidence.",
        advice=ADVICE,
        details={"streams": summary},
    )
