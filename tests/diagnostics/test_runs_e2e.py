"""The module's four support scenarios, end to end: run form or service → broker → real
worker → real checks → the sandbox over real sockets → results, checklist and run page."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from django.urls import reverse
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from diagnostics import services
from diagnostics.models import CheckRun, DiagnosticRun
from sandbox.client import build_jwt
from tests.fixtures.diagnostics import make_case, sandbox_targets, wait_run_finished
from triage.models import ItemState

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(120),
]
ACCOUNTS = "GET /api/v3/brokerage/accounts"


def run_checks(sandbox, case, agent, checks, key=None, **kwargs) -> dict[str, CheckRun]:
    options = {"ws_seconds": 1.0, **kwargs.pop("options", {})}
    if key:
        kwargs.update(key_name=key["key_name"], key_secret=key["private_key"])
    run = services.run_start(case=case, by=agent, checks=checks, options=options,
                             **sandbox_targets(sandbox), **kwargs)
    wait_run_finished(run, timeout=60)
    assert run.status == DiagnosticRun.Status.DONE, run.failure_reason
    return {c.check_id: c for c in run.check_runs.all()}


@pytest.fixture
def keys_case(agent):
    return make_case(scenario="api-keys-not-working", by=agent, product_id="BTC-USD")


def customer_token(sandbox, key, *, path="/api/v3/brokerage/accounts", ago=0):
    return build_jwt(key["key_name"], key["private_key"], f"GET {sandbox.host}{path}",
                     now=time.time() - ago)


# --- "API keys are not working" ----------------------------------------------------------


def test_keys_not_working_expired_token_and_wrong_uri(sandbox, keys_case, agent,
                                                      worker_process):
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    expired = run_checks(sandbox, keys_case, agent, ["jwt.inspect"],
                         customer_jwt=customer_token(sandbox, key, ago=600),
                         customer_request=ACCOUNTS)
    assert "JWT_EXPIRED" in expired["jwt.inspect"].codes
    orders_token = customer_token(sandbox, key, path="/api/v3/brokerage/orders")
    wrong_uri = run_checks(sandbox, keys_case, agent, ["jwt.inspect"],
                           customer_jwt=orders_token, customer_request=ACCOUNTS)
    assert "JWT_URI_MISMATCH" in wrong_uri["jwt.inspect"].codes
    # The item "Verify JWT claims/headers and clock skew" now shows the diagnostic's verdict.
    row = next(r for r in keys_case.checklist_items.select_related("item")
               if "jwt.inspect" in r.item.check_ids)
    assert row.state == ItemState.FAIL and row.set_by_diagnostic
    assert DiagnosticRun.objects.filter(case=keys_case).count() == 2  # both runs kept


def test_keys_not_working_eddsa_key_signed_as_es256(sandbox, keys_case, agent, worker_process):
    import base64
    import json

    key = sandbox.control.create_key("EdDSA", permissions=["view", "trade"])
    good = customer_token(sandbox, key)
    _, claims, signature = good.split(".")
    header = {"alg": "ES256", "kid": key["key_name"], "nonce": "ab" * 16, "typ": "JWT"}
    lying = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    results = run_checks(sandbox, keys_case, agent, ["jwt.inspect", "key.format"], key=key,
                         customer_jwt=f"{lying}.{claims}.{signature}", customer_request=ACCOUNTS)
    assert "JWT_BAD_ALG" in results["jwt.inspect"].codes
    key_format = results["key.format"]  # the secret is Ed25519, so its tokens sign EdDSA
    assert key_format.status == CheckRun.Status.FAIL and "EdDSA" in key_format.summary


def test_keys_not_working_view_only_key_trading_and_ip_allowlist(sandbox, keys_case, agent,
                                                                 worker_process):
    viewer = sandbox.control.create_key("ES256", permissions=["view"])
    results = run_checks(sandbox, keys_case, agent, ["key.permissions"], key=viewer,
                         action="trade")
    assert results["key.permissions"].codes == ["KEY_MISSING_SCOPE"]
    fenced = sandbox.control.create_key("ES256", permissions=["view"],
                                        allowed_ips=["203.0.113.7"])
    results = run_checks(sandbox, keys_case, agent, ["key.permissions"], key=fenced,
                         key_allowed_ips=["203.0.113.7"])
    assert {"KEY_UNAUTHORIZED", "KEY_IP_NOT_ALLOWED"} <= set(results["key.permissions"].codes)


def test_keys_not_working_clock_offset(sandbox, keys_case, agent, worker_process):
    sandbox.control.set_faults(clock_offset_s=90)  # cleared by the sandbox fixture
    results = run_checks(sandbox, keys_case, agent, ["jwt.clock_skew"])
    assert "CLOCK_SKEW" in results["jwt.clock_skew"].codes


# --- "Insufficient funds" ----------------------------------------------------------------


def test_insufficient_funds_with_funds_on_hold(sandbox, agent, worker_process):
    case = make_case(scenario="insufficient-funds", by=agent, product_id="BTC-USD")
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "100000", "BTC": "0"})
    sandbox.control.place_resting_limit_order(key, base_size="1.0", distance=0.5)
    results = run_checks(sandbox, case, agent, ["balances", "key.permissions"], key=key,
                         product_id="BTC-USD", action="trade", side="BUY", size="2")
    balances = results["balances"]
    assert {"INSUFFICIENT_AVAILABLE", "FUNDS_ON_HOLD"} <= set(balances.codes)
    assert balances.status == CheckRun.Status.FAIL and balances.advice
    assert results["key.permissions"].status == CheckRun.Status.PASS
    row = next(r for r in case.checklist_items.select_related("item")
               if r.item.key == "orders-balances")
    assert row.state == ItemState.FAIL and "FUNDS_ON_HOLD" in row.diagnostic_note


# --- "Pagination confusion" --------------------------------------------------------------


def test_pagination_across_many_pages(sandbox, agent, worker_process):
    case = make_case(scenario="pagination-confusion", by=agent, product_id="BTC-USD")
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "100000"})
    for _ in range(7):
        sandbox.control.place_resting_limit_order(key, base_size="0.001", distance=0.4)
    results = run_checks(sandbox, case, agent, ["orders.history"], key=key,
                         product_id="BTC-USD", options={"page_limit": 2})
    history = results["orders.history"]
    assert history.status == CheckRun.Status.PASS, history.summary
    assert history.details["orders"]["pages"] == 4
    assert history.details["orders"]["has_next"] == [True, True, True, False]
    assert history.details["orders"]["duplicates"] == []


# --- "WebSocket auth or rate limits" -----------------------------------------------------


@pytest.mark.parametrize("mode", ["no_jwt", "expired_jwt"])
def test_user_channel_without_or_with_an_expired_jwt(sandbox, agent, worker_process, mode):
    case = make_case(scenario="websocket-auth-rate-limits", by=agent, product_id="BTC-USD")
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    results = run_checks(sandbox, case, agent, ["ws.user"], key=key, product_id="BTC-USD",
                         options={"ws_user_reproduce": mode})
    assert "WS_AUTH_FAILED" in results["ws.user"].codes
    assert results["ws.user"].evidence  # the frames sent and received


class UnauthenticatedFlood(threading.Thread):
    """Another client on the same IP that sends 7 of the 8 unauthenticated messages allowed
    per second the moment each one-second window opens, so the check's first subscribe is
    accepted and its second one goes over the limit."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop, self.bursting = url, threading.Event(), threading.Event()

    def run(self) -> None:
        message = '{"type":"subscribe","product_ids":[],"channel":"heartbeats"}'
        while not self.stop.is_set():
            try:
                with connect(self.url, open_timeout=2) as ws:
                    while not self.stop.is_set():
                        time.sleep(max(0.0, 0.995 - time.time() % 1))
                        while time.time() % 1 > 0.5:  # spin to the window's first instant
                            pass
                        for _ in range(7):
                            ws.send(message)
                        self.bursting.set()
                        with contextlib.suppress(TimeoutError):
                            while True:
                                ws.recv(timeout=0)
            except (ConnectionClosed, OSError):
                continue


def test_unauthenticated_message_limit(sandbox, agent, worker_process):
    case = make_case(scenario="websocket-auth-rate-limits", by=agent, product_id="BTC-USD")
    flood = UnauthenticatedFlood(sandbox.ws_market_url)
    flood.start()
    assert flood.bursting.wait(5)
    try:
        results = run_checks(sandbox, case, agent, ["ws.market"], product_id="BTC-USD")
    finally:
        flood.stop.set()
        flood.join(5)
    market = results["ws.market"]
    assert "WS_RATE_LIMITED" in market.codes, (market.codes, market.summary)


# --- through the pages -------------------------------------------------------------------


def test_form_to_worker_to_page(sandbox, keys_case, agent, agent_client, worker_process):
    key = sandbox.control.create_key("ES256", permissions=["view"])
    data = {"checks": ["key.format", "key.permissions", "reach.rest"], "product_id": "BTC-USD",
            "action": "trade", "key_name": key["key_name"], "key_secret": key["private_key"],
            **sandbox_targets(sandbox)}
    response = agent_client.post(reverse("diagnostics:run_create", args=[keys_case.pk]), data)
    assert response.status_code == 302
    run = wait_run_finished(DiagnosticRun.objects.get(case=keys_case))
    page = agent_client.get(run.get_absolute_url()).content.decode()
    assert "3 of 3 checks done" in page and "KEY_MISSING_SCOPE" in page
    assert "hx-trigger" not in page and key["private_key"] not in page
    case_page = agent_client.get(reverse("triage:case_detail", args=[keys_case.pk]))
    assert "KEY_MISSING_SCOPE" in case_page.content.decode()
