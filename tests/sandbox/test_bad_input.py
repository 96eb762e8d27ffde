"""Junk input gets a clear 4xx (or the real business failure), never a 500."""

from __future__ import annotations

import json

import pytest
import requests
from websockets.sync.client import connect

from sandbox.client import SandboxError, build_jwt

pytestmark = pytest.mark.sandbox

ORDER_BODIES = [
    {},
    {"client_order_id": 5},
    {"client_order_id": "a", "product_id": ["BTC-USD"], "side": "BUY",
     "order_configuration": {"market_market_ioc": {"quote_size": "1"}}},
    {"client_order_id": "b", "product_id": "BTC-USD", "side": ["BUY"],
     "order_configuration": {"market_market_ioc": {"quote_size": "1"}}},
    {"client_order_id": "c", "product_id": "BTC-USD", "side": "BUY",
     "order_configuration": {"market_market_ioc": {"quote_size": {"x": 1}}}},
    {"client_order_id": "d", "product_id": "BTC-USD", "side": "BUY",
     "order_configuration": {"limit_limit_gtd": {"base_size": "0.001", "limit_price": "1.00",
                                                 "end_time": 17}}},
    {"client_order_id": "e", "product_id": "BTC-USD", "side": "BUY",
     "order_configuration": {"limit_limit_gtc": "not an object"}},
    {"client_order_id": "f", "product_id": "BTC-USD", "side": "SELL",
     "order_configuration": {"stop_limit_stop_limit_gtc": {
         "base_size": "0.001", "limit_price": "1.00", "stop_price": "-1"}}},
    {"client_order_id": "g", "product_id": "BTC-USD", "side": "BUY",
     "order_configuration": {"market_market_ioc": {"base_size": "NaN"}}},
]


@pytest.fixture(scope="module")
def trader(sandbox_server):
    return sandbox_server.control.create_key(permissions=["view", "trade"])


@pytest.mark.parametrize("body", ORDER_BODIES)
def test_junk_orders(sandbox, trader, body):
    response = sandbox.control.rest(trader, "POST", "/orders", body=body)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert response.json()["success"] is False
    else:
        assert response.json()["error"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("path,params", [
    ("/accounts", {"limit": "abc"}),
    ("/accounts", {"limit": "-1"}),
    ("/orders/historical/batch", {"start_date": "yesterday"}),
    ("/orders/historical/fills", {"cursor": "!!!"}),
    ("/products/BTC-USD/candles", {"granularity": "ONE_MINUTE", "start": "x"}),
    ("/products/BTC-USD/candles", {"granularity": "WEEKLY"}),
    ("/product_book", {}),
    ("/products", {"get_tradability_status": "maybe"}),
])
def test_junk_query_parameters(sandbox, trader, path, params):
    response = sandbox.control.rest(trader, "GET", path, params=params)
    assert response.status_code == 400 and response.json()["error"] == "INVALID_ARGUMENT"
    assert "x-ratelimit-limit" in response.headers


def test_non_json_body(sandbox, trader):
    path = "/api/v3/brokerage/orders/batch_cancel"
    token = build_jwt(trader["key_name"], trader["private_key"], f"POST {sandbox.host}{path}")
    response = requests.post(f"{sandbox.base_url}{path}", data="{not json", timeout=5,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400


@pytest.mark.parametrize("call", [
    lambda c: c.create_key(algorithm="ES256", permissions=[{"x": 1}]),
    lambda c: c.create_key(portfolio=["x"]),
    lambda c: c.create_key(allowed_ips=["not-an-ip"]),
    lambda c: c.set_faults(latency_ms=-5),
    lambda c: c.set_faults(latency_ms=1.5),
    lambda c: c.set_faults(rate_limit_storm="yes"),
    lambda c: c.set_faults(revoked_keys="k"),
    lambda c: c.set_faults(key_name=["k"], latency_ms=1),
    lambda c: c.set_balances("no-such-portfolio", {"USD": "1"}),
])
def test_control_api_refuses_junk(sandbox, call):
    with pytest.raises(SandboxError) as refused:
        call(sandbox.control)
    assert refused.value.status in (400, 404)
    assert sandbox.control.state()["faults"]["global"] == {}


def test_junk_websocket_messages(sandbox, trader):
    token = build_jwt(trader["key_name"], trader["private_key"])
    with connect(sandbox.ws_market_url) as ws:
        for junk in ({"type": "subscribe", "channel": ["ticker"], "jwt": token},
                     {"type": "subscribe", "channel": "ticker", "product_ids": "BTC-USD",
                      "jwt": token},
                     {"type": ["subscribe"], "jwt": token}):
            ws.send(json.dumps(junk))
            assert json.loads(ws.recv(timeout=3)) == {"type": "error",
                                                      "message": "malformed message"}
        ws.send(json.dumps({"type": "subscribe", "channel": "status", "product_ids": [],
                            "jwt": token}))
        assert json.loads(ws.recv(timeout=3))["channel"] == "subscriptions"
        assert json.loads(ws.recv(timeout=3))["channel"] == "status"


def test_unknown_rest_route_is_a_json_404(sandbox):
    response = requests.get(f"{sandbox.base_url}/api/v3/brokerage/acounts", json={}, timeout=5)
    assert response.status_code == 404 and response.json()["error"] == "NOT_FOUND"
    assert response.headers["x-request-id"]
