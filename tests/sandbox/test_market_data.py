"""Products, book, candles, trades, portfolios, fees and rate limits over real sockets."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

pytestmark = pytest.mark.sandbox
RATE_LIMITED = ('{"error":"RATE_LIMIT_EXCEEDED","error_details":"Too many requests",'
                '"message":"Too many requests"}')


@pytest.fixture
def viewer(sandbox):
    return sandbox.control.create_key(permissions=["view"])


def test_sdk_products_book_trades_candles(sandbox, sdk, viewer):
    client = sdk(viewer)
    products = client.get_products()
    assert products.num_products >= 20
    assert len({p.base_currency_id for p in products.products}) >= 20
    page = client.get_products(limit=5, offset=5)
    assert len(page.products) == 5 and page.num_products == products.num_products
    two = client.get_products(product_ids=["BTC-USD", "ETH-USD"])
    assert sorted(p.product_id for p in two.products) == ["BTC-USD", "ETH-USD"]

    book = client.get_product_book("BTC-USD", limit=5)
    bids, asks = book.pricebook.bids, book.pricebook.asks
    assert len(bids) == len(asks) == 5
    assert Decimal(bids[0]["price"]) < Decimal(asks[0]["price"])
    best = client.get_best_bid_ask(product_ids=["BTC-USD", "SOL-USD"])
    assert [b.product_id for b in best.pricebooks] == ["BTC-USD", "SOL-USD"]

    trades = client.get_market_trades("ETH-USD", limit=10)
    assert len(trades.trades) == 10 and trades.best_bid and trades.best_ask
    now = int(time.time())
    candles = client.get_candles("BTC-USD", start=str(now - 3600), end=str(now),
                                 granularity="FIVE_MINUTE")
    starts = [int(c.start) for c in candles.candles]
    assert 12 <= len(starts) <= 13 and starts == sorted(starts, reverse=True)
    assert all(Decimal(c.low) <= Decimal(c.open) <= Decimal(c.high) for c in candles.candles)


def test_candles_are_deterministic_and_capped(sandbox, viewer):
    params = {"start": "1700000000", "end": "1700003600", "granularity": "ONE_MINUTE"}
    first = sandbox.control.rest(viewer, "GET", "/products/BTC-USD/candles", params=params)
    second = sandbox.control.rest(viewer, "GET", "/products/BTC-USD/candles", params=params)
    assert first.json() == second.json() and len(first.json()["candles"]) == 61
    too_many = sandbox.control.rest(viewer, "GET", "/products/BTC-USD/candles", params={
        "start": "1700000000", "end": "1700100000", "granularity": "ONE_MINUTE"})
    assert too_many.status_code == 400 and too_many.json()["error"] == "INVALID_ARGUMENT"
    assert sandbox.control.rest(viewer, "GET", "/products/BTC-USD/ticker").status_code == 400


def test_public_market_routes_via_sdk(sandbox, sdk, viewer):
    client = sdk(viewer)
    assert client.get_public_product("BTC-USD").product_id == "BTC-USD"
    assert client.get_public_product_book("BTC-USD", limit=3).pricebook.product_id == "BTC-USD"
    assert client.get_public_market_trades("BTC-USD", limit=3).trades
    response = requests.get(f"{sandbox.base_url}/api/v3/brokerage/market/products",
                            params={"get_tradability_status": "False", "limit": 3}, json={},
                            timeout=5)
    assert response.status_code == 200 and len(response.json()["products"]) == 3
    bad = requests.get(f"{sandbox.base_url}/api/v3/brokerage/market/products/NOPE-USD",
                       json={}, timeout=5)
    assert bad.status_code == 404


def test_portfolios_breakdown_and_fee_summary(sandbox, sdk):
    demo = next(d for d in sandbox.control.state()["demo_keys"] if d["nickname"] == "demo-eddsa")
    key = sandbox.control.create_key(permissions=["view"], portfolio=demo["portfolio_uuid"])
    client = sdk(key)
    portfolios = client.get_portfolios().portfolios
    assert len(portfolios) >= 3 and demo["portfolio_uuid"] in {p.uuid for p in portfolios}
    breakdown = client.get_portfolio_breakdown(demo["portfolio_uuid"]).breakdown
    total = Decimal(breakdown.portfolio_balances["total_balance"]["value"])
    assert total > 0 and breakdown.spot_positions
    summary = client.get_transaction_summary()
    assert summary.total_fees > 0 and summary.fee_tier["taker_fee_rate"] == "0.006"


def test_private_rate_limit_headers_and_429(sandbox, viewer):
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(
            lambda _: sandbox.control.rest(viewer, "GET", "/key_permissions"), range(100)))
    limited = [r for r in responses if r.status_code == 429]
    assert limited, "100 parallel requests must cross 30 in one second"
    assert limited[0].text == RATE_LIMITED
    ok = [r for r in responses if r.status_code == 200]
    assert ok[0].headers["x-ratelimit-limit"] == "30"
    assert {r.headers["x-ratelimit-remaining"] for r in limited} == {"0"}
    assert int(limited[0].headers["x-ratelimit-reset"]) >= int(time.time())


def test_public_rate_limit_is_per_ip(sandbox):
    url = f"{sandbox.base_url}/api/v3/brokerage/time"
    statuses = [requests.get(url, json={}, timeout=5).status_code for _ in range(25)]
    assert 429 in statuses and statuses[0] == 200
    time.sleep(1.05 - time.time() % 1)  # let the next test start in a fresh window
