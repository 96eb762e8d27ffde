"""REST checks against the real sandbox over real sockets: key.permissions, reach.rest,
jwt.clock_skew, jwt.inspect with the server clock, balances, orders.history, rate_limit."""

from __future__ import annotations

import time
import uuid

import pytest

from diagnostics import jwt_tools
from diagnostics.checks import Credentials, RunContext, Status, run_check
from tests.diagnostics.netstub import StubServer


def make_ctx(sandbox, key: dict | None = None, seconds: float = 20, **kwargs) -> RunContext:
    creds = Credentials(key["key_name"], key["private_key"]) if key else None
    return RunContext(rest_base=sandbox.base_url, ws_market_url=sandbox.ws_market_url,
                      ws_user_url=sandbox.ws_user_url, credentials=creds,
                      deadline=time.monotonic() + seconds, **kwargs)


@pytest.fixture(scope="module")
def trader(sandbox_server):
    key = sandbox_server.control.create_key("ES256", permissions=["view", "trade"])
    sandbox_server.control.set_balances(key["portfolio_uuid"], {"USD": "1000", "BTC": "0.5"})
    return key


@pytest.fixture(scope="module")
def ed_trader(sandbox_server):
    return sandbox_server.control.create_key("EdDSA", permissions=["view", "trade"])


@pytest.fixture(scope="module")
def viewer(sandbox_server):
    return sandbox_server.control.create_key("ES256", permissions=["view"])


# --- key.permissions -----------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["trader", "ed_trader"])
def test_permissions_pass_for_a_trading_key(sandbox, request, fixture):
    key = request.getfixturevalue(fixture)
    result = run_check("key.permissions", make_ctx(sandbox, key, action="trade",
                                                   portfolio_id=key["portfolio_uuid"]))
    assert result.status == Status.PASS, result.summary
    assert result.details["can_trade"] is True
    exchange = result.evidence[0]
    assert exchange.status == 200 and exchange.correlation_ids
    assert "[REDACTED-SIGNATURE]" in exchange.request_headers["Authorization"]


def test_view_only_key_cannot_trade(sandbox, viewer):
    result = run_check("key.permissions", make_ctx(sandbox, viewer, action="trade"))
    assert result.codes == ["KEY_MISSING_SCOPE"]
    assert result.status == Status.FAIL


def test_portfolio_mismatch(sandbox, trader):
    result = run_check("key.permissions", make_ctx(sandbox, trader,
                                                   portfolio_id=str(uuid.uuid4())))
    assert result.codes == ["PORTFOLIO_MISMATCH"]


def test_revoked_key_is_unauthorized(sandbox):
    key = sandbox.control.create_key("ES256", permissions=["view"])
    sandbox.control.set_faults(revoked_keys=[key["key_name"]])
    result = run_check("key.permissions", make_ctx(sandbox, key))
    assert result.codes == ["KEY_UNAUTHORIZED"]
    assert result.evidence[-1].status == 401


def test_ip_allowlisted_key_called_from_elsewhere(sandbox):
    key = sandbox.control.create_key("ES256", permissions=["view"], allowed_ips=["203.0.113.7"])
    result = run_check("key.permissions", make_ctx(sandbox, key,
                                                   key_allowed_ips=["203.0.113.7"]))
    assert result.codes == ["KEY_UNAUTHORIZED", "KEY_IP_NOT_ALLOWED"]
    assert "allowlist" in result.summary


def test_customer_ip_outside_the_allowlist_is_named_even_when_our_call_works(sandbox, trader):
    result = run_check("key.permissions", make_ctx(sandbox, trader, customer_ip="198.51.100.9",
                                                   key_allowed_ips=["203.0.113.0/24"]))
    assert "KEY_IP_NOT_ALLOWED" in result.codes
    assert result.details["customer_ip_allowed"] is False


# --- reachability ---------------------------------------------------------------------------

def test_reach_rest_times_each_step(sandbox):
    result = run_check("reach.rest", make_ctx(sandbox))
    assert result.status == Status.PASS, result.summary
    assert result.details["http_status"] == 200
    assert result.details["dns_ms"] is not None and result.details["tcp_ms"] is not None


def test_reach_rest_over_tls_reports_the_certificate(sandbox, settings):
    settings.DIAGNOSTICS_CA_BUNDLE = sandbox.ca_path
    ctx = make_ctx(sandbox)
    ctx.rest_base = f"https://{sandbox.tls_host}"
    result = run_check("reach.rest", ctx)
    assert result.status == Status.PASS, result.summary
    assert result.details["tls_version"].startswith("TLS")
    assert result.details["cert_days_left"] > 0


def test_reach_rest_names_exchange_and_typo_hosts_without_contacting_them(sandbox):
    for base, hint in [("https://api.exchange.coinbase.com", "Exchange"),
                       ("https://api.pro.coinbase.com", "Pro"),
                       ("https://api.coinbsae.com", "typo"),
                       ("https://https://api.coinbase.com", "scheme twice"),
                       ("https://api.coinbase.com/api/v3/brokerage", "carries a path")]:
        ctx = make_ctx(sandbox)
        ctx.rest_base = base
        result = run_check("reach.rest", ctx)
        assert result.codes[0] == "HOST_WRONG", base
        assert result.codes[1] in ("HOST_NOT_ALLOWED", "DNS_FAILED"), base  # never reached
        assert hint in result.summary


def test_reach_rest_dns_and_tcp_failures(sandbox, settings):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1", "api.coinbase.com"]
    ctx = make_ctx(sandbox)
    ctx.rest_base = "https://api.coinbase.com"  # no DNS on this machine
    assert "DNS_FAILED" in run_check("reach.rest", ctx).codes
    ctx.rest_base = "http://127.0.0.1:1"
    assert "TCP_FAILED" in run_check("reach.rest", ctx).codes


def test_reach_rest_over_tls_without_trusting_the_sandbox_ca(sandbox, settings):
    settings.DIAGNOSTICS_CA_BUNDLE = ""
    ctx = make_ctx(sandbox)
    ctx.rest_base = f"https://{sandbox.tls_host}"
    assert "TLS_FAILED" in run_check("reach.rest", ctx).codes


# --- clocks ---------------------------------------------------------------------------------

def test_clock_skew_passes_with_synchronised_clocks(sandbox):
    result = run_check("jwt.clock_skew", make_ctx(sandbox, customer_time=int(time.time())))
    assert result.status == Status.PASS, result.summary
    assert abs(result.details["worker_skew_s"]) < 2


def test_clock_offset_fault_shows_as_skew(sandbox):
    sandbox.control.set_faults(clock_offset_s=90)
    result = run_check("jwt.clock_skew", make_ctx(sandbox))
    assert result.codes == ["CLOCK_SKEW"]
    assert result.status == Status.FAIL
    assert -95 < result.details["worker_skew_s"] < -85


def test_customer_clock_from_a_token_ahead_of_the_server(sandbox, trader):
    token = jwt_tools.build_jwt(trader["key_name"], trader["private_key"],
                                now=int(time.time()) + 60)
    result = run_check("jwt.clock_skew", make_ctx(sandbox, customer_jwt=token))
    assert result.codes == ["CLOCK_SKEW"]
    assert 55 < result.details["customer_skew_s"] < 65


def test_jwt_inspect_reads_the_server_clock(sandbox, trader):
    token = jwt_tools.build_jwt(trader["key_name"], trader["private_key"],
                                uri=f"GET {sandbox.host}/api/v3/brokerage/accounts")
    ctx = make_ctx(sandbox, customer_jwt=token, customer_request="GET /api/v3/brokerage/accounts")
    assert run_check("jwt.inspect", ctx).codes == []
    sandbox.control.set_faults(clock_offset_s=-300)
    result = run_check("jwt.inspect", make_ctx(sandbox, customer_jwt=token,
                                               customer_request="GET /api/v3/brokerage/accounts"))
    assert result.details["clock"] == "server"
    assert "JWT_NOT_YET_VALID" in result.codes


# --- balances -------------------------------------------------------------------------------

def test_balances_cover_an_order(sandbox, trader):
    result = run_check("balances", make_ctx(sandbox, trader, product_id="BTC-USD",
                                            side="SELL", size="0.1"))
    assert result.status == Status.PASS, result.summary
    assert result.details["covered"] is True
    assert result.details["balances"]["BTC"]["available"] == "0.5"


def test_insufficient_funds_with_funds_on_hold(sandbox):
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "100000", "BTC": "0"})
    sandbox.control.place_resting_limit_order(key, base_size="1.0", distance=0.5)
    result = run_check("balances", make_ctx(sandbox, key, product_id="BTC-USD", side="BUY",
                                            size="2", action="trade"))
    assert {"INSUFFICIENT_AVAILABLE", "FUNDS_ON_HOLD"} <= set(result.codes)
    assert result.status == Status.FAIL
    assert result.details["open_order_count"] == 1
    assert float(result.details["balances"]["USD"]["hold"]) > 0


def test_unknown_product(sandbox, trader):
    result = run_check("balances", make_ctx(sandbox, trader, product_id="NOPE-USD"))
    assert "PRODUCT_UNKNOWN" in result.codes
    assert run_check("balances", make_ctx(sandbox, trader, product_id="btc usd")).codes == [
        "PRODUCT_UNKNOWN"]


def test_balances_skip_without_credentials(sandbox):
    assert run_check("balances", make_ctx(sandbox)).status == Status.SKIPPED


# --- order history --------------------------------------------------------------------------

def test_order_history_walks_many_pages_consistently(sandbox):
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "100000"})
    for _ in range(7):
        sandbox.control.place_resting_limit_order(key, base_size="0.001", distance=0.4)
        time.sleep(0.15)  # the helper reads a public endpoint: stay under 10 a second per IP
    result = run_check("orders.history", make_ctx(sandbox, key, product_id="BTC-USD",
                                                  options={"page_limit": 2}))
    orders = result.details["orders"]
    assert result.status == Status.PASS, result.summary
    assert orders["pages"] == 4 and orders["unique"] == 7 and orders["duplicates"] == []
    assert orders["has_next"] == [True, True, True, False]
    assert orders["sort_order"] in ("newest first", "unknown")
    assert result.details["reached_end"] is True


def test_inconsistent_pagination_is_found(settings):
    """A server whose pages repeat an order and lose has_next's cursor (a fault the sandbox
    has no switch for), served over a real socket."""
    from tests.diagnostics.test_checks_jwt import ec_pem

    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    stub = StubServer()
    pages = {
        "": {"orders": [{"order_id": "a", "created_time": "2026-01-03"},
                        {"order_id": "b", "created_time": "2026-01-02"}],
             "has_next": True, "cursor": "p2"},
        "p2": {"orders": [{"order_id": "b", "created_time": "2026-01-02"},
                          {"order_id": "c", "created_time": "2026-01-04"}],
               "has_next": True, "cursor": ""},
    }

    def batch(handler):
        import json
        from urllib.parse import parse_qs, urlsplit

        cursor = parse_qs(urlsplit(handler.path).query).get("cursor", [""])[0]
        return 200, {"Content-Type": "application/json"}, json.dumps(pages[cursor]).encode()

    stub.routes["/api/v3/brokerage/orders/historical/batch"] = batch
    stub.json("/api/v3/brokerage/orders/historical/fills", {"fills": [], "cursor": ""})
    try:
        ctx = RunContext(rest_base=stub.base_url, ws_market_url="", ws_user_url="",
                         product_id="BTC-USD", credentials=Credentials("k", ec_pem()),
                         deadline=time.monotonic() + 10)
        result = run_check("orders.history", ctx)
    finally:
        stub.stop()
    assert result.codes == ["PAGINATION_INCONSISTENT"]
    problems = " ".join(result.details["orders"]["problems"])
    assert "cursor is empty" in problems and "more than one page" in problems
    assert result.details["orders"]["sort_order"] == "mixed"


# --- rate limits ----------------------------------------------------------------------------

def test_rate_limit_reads_headers_within_limits(sandbox, trader):
    from datetime import datetime

    result = run_check("rate_limit", make_ctx(sandbox, trader, options={"rate_probe_calls": 6}))
    assert result.status == Status.PASS, result.summary
    assert result.details["headers"]["x-ratelimit-limit"]
    assert result.details["requests_sent"] == 6
    starts = [datetime.fromisoformat(e.started_at.replace("Z", "+00:00"))
              for e in result.evidence]
    spread = (starts[-1] - starts[0]).total_seconds()
    assert spread >= 5 / 15 - 0.02  # paced at 15 a second, half the documented 30


def test_rate_limit_storm_backs_off_and_reports(sandbox):
    key = sandbox.control.create_key("ES256", permissions=["view"])
    sandbox.control.set_faults(key_name=key["key_name"], rate_limit_storm=True)
    started = time.monotonic()
    result = run_check("rate_limit", make_ctx(sandbox, key, seconds=8,
                                              options={"rate_probe_calls": 1}))
    assert "RATE_LIMITED" in result.codes and result.status == Status.FAIL
    waits = [b["wait_s"] for b in result.details["backoffs"]]
    assert len(waits) == 4  # five attempts in all, never a hammering loop
    assert result.details["requests_sent"] == 5
    assert time.monotonic() - started < 8


def test_server_error_burst_is_retried_then_recovers(sandbox):
    key = sandbox.control.create_key("ES256", permissions=["view"])
    sandbox.control.set_faults(key_name=key["key_name"], server_error_burst=2)
    result = run_check("rate_limit", make_ctx(sandbox, key, options={"rate_probe_calls": 1}))
    assert result.codes == ["SERVER_ERRORS"]
    assert result.status == Status.WARN
    assert [c["status"] for c in result.details["calls"]] == [200]
    assert result.details["server_errors"] == 2


def test_amounts_are_written_plainly(sandbox):
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "500", "BTC": "0"})
    result = run_check("balances", make_ctx(sandbox, key, product_id="BTC-USD", side="BUY",
                                            size="1"))
    assert result.details["balances"]["USD"]["available"] == "500"
    assert "E+" not in result.summary and result.codes == ["INSUFFICIENT_AVAILABLE"]


def test_clock_skew_without_a_server_clock_says_why(sandbox):
    ctx = make_ctx(sandbox)
    ctx.rest_base = "http://127.0.0.1:1"
    result = run_check("jwt.clock_skew", ctx)
    assert result.status == Status.ERROR and result.codes == ["TCP_FAILED"]
