"""rate_limit: reads the limit headers on every call, backs off on 429 (and 5xx)
exponentially with jitter, and paces itself under the documented limits."""

from __future__ import annotations

from diagnostics.checks.base import CheckResult, RunContext, Status, register
from diagnostics.checks.common import RestSession, finish, needs_credentials
from diagnostics.net.http import PRIVATE_INTERVAL, PUBLIC_INTERVAL


@register("rate_limit", "Rate limits", description="A few paced calls reading the x-ratelimit "
          "headers; 429s and 5xx are retried with exponential backoff and jitter, and recorded.")
def rate_limit(ctx: RunContext) -> CheckResult:
    authenticated = ctx.credentials is not None and needs_credentials("rate_limit", ctx) is None
    evidence: list = []
    session = RestSession(ctx, evidence)
    calls = max(1, min(int(ctx.options.get("rate_probe_calls") or 5), 20))
    path = "/key_permissions" if authenticated else "/time"
    observed, last = [], None
    for _ in range(calls):
        last = session.call("GET", path, auth=authenticated)
        observed.append({"status": last.status, **last.rate_limit()})
        if last.status is None or last.status in (401, 403):
            break
        remaining = last.rate_limit().get("x-ratelimit-remaining", "")
        if remaining.isdigit() and int(remaining) <= 1:
            break  # leave the customer's remaining budget alone
        if ctx.seconds_left() < 0.5:
            break
    interval = PRIVATE_INTERVAL if authenticated else PUBLIC_INTERVAL
    details = {
        "endpoint": path, "authenticated": authenticated, "calls": observed,
        "requests_sent": len(evidence), "rate_limited": session.rate_limited,
        "server_errors": session.server_errors, "backoffs": session.backoffs,
        "headers": session.rate_headers, "own_pace_per_s": round(1 / interval, 1),
    }
    codes = []
    if session.rate_limited:
        codes.append("RATE_LIMITED")
    if session.server_errors:
        codes.append("SERVER_ERRORS")
    if last is not None and last.status in (401, 403):
        codes.append("KEY_UNAUTHORIZED" if last.status == 401 else "KEY_MISSING_SCOPE")
    if last is not None and last.error_code:
        codes.append(last.error_code)
    still_failing = last is None or last.status is None or last.status >= 400
    limit = session.rate_headers.get("x-ratelimit-limit", "?")
    remaining = session.rate_headers.get("x-ratelimit-remaining", "?")
    if not codes:
        status = Status.PASS
        summary = (f"{len(observed)} calls within limits: limit {limit}, remaining {remaining}"
                   f" (headers {'present' if session.rate_headers else 'absent'}).")
    else:
        status = Status.FAIL if still_failing else Status.WARN
        summary = (f"{session.rate_limited} answer(s) 429 and {session.server_errors} 5xx over "
                   f"{len(evidence)} requests; backed off {len(session.backoffs)} time(s)"
                   + (" and still failing." if still_failing else ", then recovered."))
    return finish("rate_limit", status, summary, codes, details=details, evidence=evidence)
