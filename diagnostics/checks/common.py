"""What the network checks share: a signed, paced, retrying REST session and the server
clock."""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

from diagnostics import jwt_tools
from diagnostics.checks.base import CheckResult, RunContext, Status
from diagnostics.codes import advice_for
from diagnostics.net import PACER, HttpResult, backoff_delay, request

API = "/api/v3/brokerage"
MAX_ATTEMPTS = 5
RETRY_STATUSES = {429, 500, 502, 503, 504}


def deadline_of(ctx: RunContext, default: float = 10.0) -> float:
    return time.monotonic() + ctx.seconds_left(default)


def rest_url(ctx: RunContext, path: str, params: dict | None = None) -> str:
    base = ctx.rest_base.strip().rstrip("/")
    if "://" not in base:  # the SDK's base_url is a bare host; it always uses https
        base = f"https://{base}"
    query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")},
                      doseq=True)
    return f"{base}{API}{path}" + (f"?{query}" if query else "")


def rest_host(ctx: RunContext) -> str:
    base = ctx.rest_base.strip()
    try:
        return urlsplit(base if "://" in base else f"https://{base}").netloc.lower()
    except ValueError:
        return ""


class RestSession:
    """Signs each call with a fresh JWT, paces calls under the documented limits, backs off
    on 429 and 5xx with jitter, and keeps every exchange as evidence."""

    def __init__(self, ctx: RunContext, evidence: list, *, max_attempts: int = MAX_ATTEMPTS):
        self.ctx = ctx
        self.evidence = evidence
        self.max_attempts = max_attempts
        self.rate_limited = 0
        self.server_errors = 0
        self.backoffs: list[dict] = []
        self.rate_headers: dict[str, str] = {}
        self._private_key = None

    def _token(self, method: str, path: str) -> str:
        creds = self.ctx.credentials
        if self._private_key is None:
            self._private_key = jwt_tools.load_private_key(creds.key_secret)
        uri = jwt_tools.rest_uri(method, rest_host(self.ctx), f"{API}{path}")
        return jwt_tools.build_jwt(creds.key_name, "", uri=uri, private_key=self._private_key)

    def call(self, method: str, path: str, params: dict | None = None, *, auth: bool = True,
             retry: bool = True, budget: float = 10.0) -> HttpResult:
        deadline = time.monotonic() + self.ctx.seconds_left(budget)
        url = rest_url(self.ctx, path, params)
        bucket = f"key:{self.ctx.credentials.key_name}" if auth else f"ip:{rest_host(self.ctx)}"
        interval = 1 / 15 if auth else 1 / 5
        attempt = 0
        while True:
            PACER.wait(bucket, interval, deadline)
            headers = {"Content-Type": "application/json"}
            if auth:
                headers["Authorization"] = f"Bearer {self._token(method, path)}"
            result = request(method, url, headers=headers, deadline=deadline)
            self.evidence.append(result.exchange)
            if result.headers:
                self.rate_headers = result.rate_limit() or self.rate_headers
            if result.status == 429:
                self.rate_limited += 1
            elif result.status is not None and result.status >= 500:
                self.server_errors += 1
            attempt += 1
            if not retry or result.status not in RETRY_STATUSES or attempt >= self.max_attempts:
                return result
            delay = backoff_delay(attempt - 1, retry_after=result.headers.get("retry-after"))
            reset = result.headers.get("x-ratelimit-reset", "")
            if result.status == 429 and reset.isdigit():
                delay = max(delay, min(float(reset) - time.time(), 2.0))
            if time.monotonic() + delay >= deadline - 0.2:
                return result
            self.backoffs.append({"after_status": result.status, "attempt": attempt,
                                  "wait_s": round(delay, 3)})
            time.sleep(delay)

    def paged(self, path: str, params: dict, list_key: str, *, max_pages: int = 50):
        """Walk a cursor to its end. Yields (page_number, result, items, has_next, cursor)."""
        cursor = ""
        for page in range(1, max_pages + 1):
            result = self.call("GET", path, dict(params, cursor=cursor or None))
            data = result.json() if result.ok else None
            if not isinstance(data, dict):
                yield page, result, None, False, ""
                return
            items = data.get(list_key) or []
            has_next = bool(data.get("has_next"))
            cursor = data.get("cursor") or ""
            yield page, result, items, has_next, cursor
            if not has_next or not cursor:
                return


def server_time(ctx: RunContext, evidence: list, failure: list | None = None
                ) -> tuple[float | None, str]:
    """The Coinbase server clock (epoch seconds, corrected for half the round trip), read
    from the public /time endpoint; or (None, reason). A failure's finding code is appended
    to `failure` when given."""
    started = time.time()
    result = request("GET", rest_url(ctx, "/time"), deadline=deadline_of(ctx, 5.0))
    evidence.append(result.exchange)
    rtt = time.time() - started
    data = result.json() if result.ok else None
    if not isinstance(data, dict):
        if failure is not None:
            failure.append(result.error_code or "HTTP_UNEXPECTED_STATUS")
        return None, result.error or f"/time answered HTTP {result.status}"
    try:
        millis = data.get("epochMillis")
        server = float(millis) / 1000 if millis else float(data.get("epochSeconds"))
    except (TypeError, ValueError):
        return None, "/time answered without epochSeconds"
    return server + rtt / 2, ""  # the reading was taken about half a round trip ago


def auth_codes(result: HttpResult) -> list[str]:
    if result.status == 401:
        return ["KEY_UNAUTHORIZED"]
    if result.status == 403:
        return ["KEY_MISSING_SCOPE"]
    if result.status == 429:
        return ["RATE_LIMITED"]
    if result.error_code:
        return [result.error_code]
    return []


def finish(check_id: str, status: Status, summary: str, codes: list[str], *, details=None,
           evidence=None, advice: str = "") -> CheckResult:
    codes = list(dict.fromkeys(codes))
    return CheckResult(
        check_id=check_id,
        status=status,
        summary=summary,
        codes=codes,
        details=details or {},
        advice=advice or advice_for(codes),
        evidence=evidence or [],
    )


def worst(*statuses: Status) -> Status:
    order = [Status.PASS, Status.SKIPPED, Status.WARN, Status.FAIL, Status.ERROR]
    return max(statuses, key=order.index)


def needs_credentials(check_id: str, ctx: RunContext) -> CheckResult | None:
    if ctx.credentials is None or not ctx.credentials.key_name or not ctx.credentials.key_secret:
        return finish(check_id, Status.SKIPPED, "Skipped: this check needs the key name and "
                      "secret.", [])
    try:
        jwt_tools.load_private_key(ctx.credentials.key_secret)
    except jwt_tools.KeyMaterialError as exc:
        return finish(check_id, Status.SKIPPED,
                      f"Skipped: the key secret cannot be used ({exc}); see key.format.", [])
    return None
