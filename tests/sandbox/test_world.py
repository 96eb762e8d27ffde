"""The seeded world and the order lifecycle, without the server (pure objects)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sandbox import trading
from sandbox.market import Market
from sandbox.world import World

NOW = 1_790_000_000.0


def test_same_seed_same_world_other_seed_other_world():
    one, two, other = World.seeded(7, NOW), World.seeded(7, NOW), World.seeded(8, NOW)
    assert list(one.keys) == list(two.keys) and list(one.orders) == list(two.orders)
    assert [d["private_key"] for d in one.demo_secrets] == [
        d["private_key"] for d in two.demo_secrets]
    assert set(one.keys).isdisjoint(other.keys)
    assert Market(7, NOW).prices == Market(7, NOW).prices != Market(8, NOW).prices


def test_seeded_history_is_consistent():
    world = World.seeded(3, NOW)
    assert len(world.orders) == 900 and len(world.fills) > 500
    by_order = {}
    for fill in world.fills:
        by_order.setdefault(fill.order_id, []).append(fill)
    for order in world.orders.values():
        fills = by_order.get(order.order_id, [])
        assert (order.status == "FILLED") == bool(fills)
        assert order.filled_size == sum((f.size for f in fills), Decimal(0))
        assert order.created_time < NOW
    assert all(a.hold == 0 for a in world.accounts.values())


def _trader(world):
    portfolio = world.add_portfolio("t", world.new_uuid(), {"USD": Decimal(1000),
                                                             "BTC": Decimal(1)})
    key, _secret = world.add_key(algorithm="ES256", permissions=["view", "trade"],
                                 portfolio_uuid=portfolio.uuid, user_id=portfolio.user_id)
    return key


def test_resting_limit_fills_when_the_price_crosses_it():
    world, market = World.seeded(1, time.time()), Market(1)
    key = _trader(world)
    price = market.price("BTC-USD")
    limit = (price * Decimal("0.99")).quantize(Decimal("0.01"))
    order = trading.create_order(world, market, key=key, body={
        "client_order_id": "c1", "product_id": "BTC-USD", "side": "BUY",
        "order_configuration": {"limit_limit_gtc": {"base_size": "0.01",
                                                    "limit_price": str(limit)}}})
    usd = world.account_for(key.portfolio_uuid, "USD")
    assert order.status == "OPEN" and usd.hold == order.hold_amount > 0
    assert trading.sweep(world, market) == []
    market.prices["BTC-USD"] = limit - 1
    assert trading.sweep(world, market) == [order]
    assert order.status == "FILLED" and usd.hold == 0
    fee = limit * Decimal("0.01") * Decimal("0.004")
    assert usd.available == Decimal(1000) - limit * Decimal("0.01") - fee.quantize(
        Decimal("0.0000000001"))
    assert world.account_for(key.portfolio_uuid, "BTC").available == Decimal("1.01")


def test_gtd_order_expires_and_releases_its_hold():
    world, market = World.seeded(1, time.time()), Market(1)
    key = _trader(world)
    end = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    order = trading.create_order(world, market, key=key, body={
        "client_order_id": "g1", "product_id": "BTC-USD", "side": "SELL",
        "order_configuration": {"limit_limit_gtd": {
            "base_size": "0.5", "limit_price": "999999.00", "end_time": end}}})
    btc = world.account_for(key.portfolio_uuid, "BTC")
    assert (btc.available, btc.hold) == (Decimal("0.5"), Decimal("0.5"))
    assert trading.sweep(world, market, now=time.time() + 7200) == [order]
    assert order.status == "EXPIRED" and (btc.available, btc.hold) == (Decimal(1), Decimal(0))


def test_marketable_limit_fills_as_taker_and_post_only_is_refused():
    world, market = World.seeded(1, time.time()), Market(1)
    key = _trader(world)
    ask = market.books["BTC-USD"].best_ask()[0]
    body = {"client_order_id": "m1", "product_id": "BTC-USD", "side": "BUY",
            "order_configuration": {"limit_limit_gtc": {"base_size": "0.001",
                                                        "limit_price": str(ask),
                                                        "post_only": True}}}
    try:
        trading.create_order(world, market, key=key, body=body)
    except trading.OrderRejected as exc:
        assert exc.error_response["error"] == "INVALID_LIMIT_PRICE_POST_ONLY"
    else:
        raise AssertionError("a crossing post-only order must be refused")
    body["order_configuration"]["limit_limit_gtc"]["post_only"] = False
    order = trading.create_order(world, market, key=key, body=body)
    assert order.status == "FILLED" and order.hold_amount == 0
    assert [f.liquidity_indicator for f in world.fills if f.order_id == order.order_id] == [
        "TAKER"]
