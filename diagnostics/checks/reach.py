"""reach.rest, reach.ws_market, reach.ws_user: DNS, TCP, TLS and the HTTP answer or
WebSocket upgrade, each timed; a wrong host is named as such."""

from __future__ import annotations

import difflib
import re
import time
from urllib.parse import urlsplit

from diagnostics.checks.base import CheckResult, RunContext, Status, register
from diagnostics.checks.common import deadline_of, finish, rest_url
from diagnostics.net import request
from diagnostics.net.ws import open_websocket

EXPECTED = {
    "rest": "api.coinbase.com",
    "ws_market": "advanced-trade-ws.coinbase.com",
    "ws_user": "advanced-trade-ws-user.coinbase.com",
}
WRONG_HOSTS = {
    "api.exchange.coinbase.com": "the Coinbase Exchange REST API (Exchange keys, not CDP)",
    "api.pro.coinbase.com": "the retired Coinbase Pro API",
    "api-public.sandbox.exchange.coinbase.com": "the Coinbase Exchange sandbox",
    "api-public.sandbox.pro.coinbase.com": "the retired Coinbase Pro sandbox",
    "ws-feed.exchange.coinbase.com": "the Coinbase Exchange WebSocket feed",
    "ws-feed.pro.coinbase.com": "the retired Coinbase Pro WebSocket feed",
    "ws-feed-public.sandbox.exchange.coinbase.com": "the Coinbase Exchange sandbox feed",
    "ws-direct.exchange.coinbase.com": "the Coinbase Exchange direct feed",
    "api.prime.coinbase.com": "the Coinbase Prime API",
    "api.international.coinbase.com": "Coinbase International Exchange",
    "api-sandbox.coinbase.com": "the static Advanced Trade sandbox (canned data, no auth)",
    "coinbase.com": "the website, not the API",
    "www.coinbase.com": "the website, not the API",
}
KNOWN = set(EXPECTED.values())


def host_problem(kind: str, url: str) -> str:
    """Why `url` is the wrong host for `kind` (rest, ws_market, ws_user), or ""."""
    text = url.strip()
    if re.match(r"(?i)^(https?|wss?)://(https?|wss?)(://|:?/)", text):
        return "the URL carries the scheme twice (the SDK's base_url takes a bare host)"
    try:
        split = urlsplit(text if "://" in text else f"//{text}")
        host = (split.hostname or "").lower().rstrip(".")
    except ValueError:
        return ""  # unparseable: the network layer refuses it and says why
    scheme = split.scheme.lower()
    if kind == "rest" and split.path.strip("/"):
        return f"the REST base carries a path ({split.path}); give the host only"
    if kind == "rest" and scheme in ("ws", "wss"):
        return "a WebSocket URL was given for REST"
    if kind != "rest" and scheme in ("http", "https"):
        return "an HTTP URL was given for a WebSocket"
    if host in WRONG_HOSTS:
        return f"{host} is {WRONG_HOSTS[host]}"
    if host in KNOWN and host != EXPECTED[kind]:
        if kind == "ws_user" and host == EXPECTED["ws_market"]:
            return ""  # the documented fail-over for user data
        names = {v: k for k, v in EXPECTED.items()}
        return f"{host} is the {names[host].replace('_', ' ')} endpoint, not the {kind} one"
    if host and host not in KNOWN and host.endswith(("coinbase.com", "coinbse.com",
                                                     "conbase.com", "coinbase.co")):
        best = difflib.get_close_matches(host, [EXPECTED[kind]], n=1, cutoff=0.75)
        if best:
            return f"{host} looks like a typo of {best[0]}"
        return f"{host} is not an Advanced Trade host"
    if host and host not in KNOWN:
        best = difflib.get_close_matches(host, list(KNOWN), n=1, cutoff=0.8)
        if best:
            return f"{host} looks like a typo of {best[0]}"
    return ""


def _steps(report) -> dict:
    if report is None:
        return {}
    return {k: v for k, v in report.as_dict().items() if v not in (None, "", [])}


@register("reach.rest", "REST reachability",
          description="DNS, TCP, TLS (protocol, certificate) and the HTTP answer of the REST "
          "host's public time endpoint, each timed.")
def reach_rest(ctx: RunContext) -> CheckResult:
    problem = host_problem("rest", ctx.rest_base)
    codes = ["HOST_WRONG"] if problem else []
    result = request("GET", rest_url(ctx, "/time"), deadline=deadline_of(ctx, 8.0))
    details = {"url": rest_url(ctx, "/time"), "host_problem": problem, **_steps(result.connect)}
    details["http_status"] = result.status
    details["total_ms"] = result.exchange.duration_ms
    if result.error_code:
        codes.append(result.error_code)
        summary = f"REST host not reached: {result.error}."
        status = Status.FAIL
    elif result.status != 200:
        codes.append("HTTP_UNEXPECTED_STATUS")
        summary = f"REST host answered HTTP {result.status}"
        summary += f" (redirect to {result.redirect_to}, not followed)." if result.redirect_to \
            else "."
        status = Status.FAIL
    else:
        summary = f"REST host reached in {result.exchange.duration_ms:.0f} ms (HTTP 200)."
        status = Status.FAIL if problem else Status.PASS
    if problem:
        summary = f"Wrong host: {problem}. " + summary
    days = details.get("cert_days_left")
    if status == Status.PASS and days is not None and days < 14:
        status, details["note"] = Status.WARN, f"the certificate expires in {days} days"
    return finish("reach.rest", status, summary, codes, details=details,
                  evidence=[result.exchange])


def _reach_ws(check_id: str, kind: str, url: str, ctx: RunContext) -> CheckResult:
    problem = host_problem(kind, url)
    codes = ["HOST_WRONG"] if problem else []
    started = time.monotonic()
    opened = open_websocket(url, deadline=deadline_of(ctx, 8.0))
    details = {"url": url, "host_problem": problem, **_steps(opened.connect),
               "upgrade_status": opened.status, "handshake_ms": opened.handshake_ms}
    if opened.connection is not None:
        opened.connection.close()
    details["total_ms"] = round((time.monotonic() - started) * 1000, 1)
    if opened.error_code:
        codes.append(opened.error_code)
        status, summary = Status.FAIL, f"WebSocket not opened: {opened.error}."
    else:
        status = Status.FAIL if problem else Status.PASS
        summary = f"WebSocket upgraded in {details['total_ms']:.0f} ms and closed cleanly."
    if problem:
        summary = f"Wrong host: {problem}. " + summary
    return finish(check_id, status, summary, codes, details=details)


@register("reach.ws_market", "Market WebSocket reachability",
          description="DNS, TCP, TLS and the WebSocket upgrade of the market-data endpoint.")
def reach_ws_market(ctx: RunContext) -> CheckResult:
    return _reach_ws("reach.ws_market", "ws_market", ctx.ws_market_url, ctx)


@register("reach.ws_user", "User WebSocket reachability",
          description="DNS, TCP, TLS and the WebSocket upgrade of the user-data endpoint.")
def reach_ws_user(ctx: RunContext) -> CheckResult:
    return _reach_ws("reach.ws_user", "ws_user", ctx.ws_user_url, ctx)
