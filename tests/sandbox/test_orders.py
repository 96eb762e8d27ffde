"""Orders, holds, fills and history through the official SDK and raw HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests

pytestmark = pytest.mark.sandbox


def balances(sandbox, key) -> dict[str, tuple[Decimal, Decimal]]:
    data = sandbox.control.rest(key, "GET", "/accounts", params={"limit": 250}).json()
    return {a["currency"]: (Decimal(a["available_balance"]["value"]), Decimal(a["hold"]["value"]))
            for a in data["accounts"]}


@pytest.fixture
def trader(sandbox):
    key = sandbox.control.create_key(permissions=["view", "trade"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "1000", "BTC": "0.01"})
    return key


def test_sdk_places_lists_and_cancels_a_resting_limit_order(sandbox, sdk, trader):
    client = sdk(trader)
    price = Decimal(client.get_product("BTC-USD").price)
    limit = (price * Decimal("0.5")).quantize(Decimal("0.01"))
    created = client.limit_order_gtc_buy(client_order_id=str(uuid.uuid4()), product_id="BTC-USD",
                                         base_size="0.001", limit_price=str(limit)).to_dict()
    assert created["success"] is True
    order_id = created["success_response"]["order_id"]

    usd_available, usd_hold = balances(sandbox, trader)["USD"]
    expected_hold = Decimal("0.001") * limit * Decimal("1.006")
    assert usd_hold == expected_hold and usd_available == Decimal(1000) - expected_hold

    listed = client.list_orders(order_status=["OPEN"], product_ids=["BTC-USD"])
    assert [o.order_id for o in listed.orders] == [order_id]
    order = client.get_order(order_id).order
    assert order.status == "OPEN" and order.outstanding_hold_amount == str(expected_hold)

    cancelled = client.cancel_orders(order_ids=[order_id, "no-such-order"]).to_dict()
    assert [r["success"] for r in cancelled["results"]] == [True, False]
    assert cancelled["results"][1]["failure_reason"] == "UNKNOWN_CANCEL_ORDER"
    assert balances(sandbox, trader)["USD"] == (Decimal(1000), Decimal(0))
    assert client.get_order(order_id).order.status == "CANCELLED"
    again = client.cancel_orders(order_ids=[order_id]).to_dict()
    assert again["results"][0]["failure_reason"] == "DUPLICATE_CANCEL_REQUEST"


def test_market_order_fills_and_creates_fills(sandbox, sdk, trader):
    client = sdk(trader)
    created = client.market_order_buy(client_order_id=str(uuid.uuid4()), product_id="BTC-USD",
                                      quote_size="100").to_dict()
    order_id = created["success_response"]["order_id"]
    order = client.get_order(order_id).order
    assert order.status == "FILLED" and Decimal(order.filled_size) > 0
    fills = client.get_fills(order_ids=[order_id]).to_dict()
    assert fills["fills"] and fills["cursor"] == "" and "has_next" not in fills
    spent = sum(Decimal(f["price"]) * Decimal(f["size"]) + Decimal(f["commission"])
                for f in fills["fills"])
    after = balances(sandbox, trader)
    assert after["USD"][0] == Decimal(1000) - spent and spent <= Decimal(100)
    assert after["BTC"][0] == Decimal("0.01") + Decimal(order.filled_size)


def test_insufficient_funds_is_the_real_envelope(sandbox, trader):
    body = {"client_order_id": str(uuid.uuid4()), "product_id": "BTC-USD", "side": "BUY",
            "order_configuration": {"market_market_ioc": {"quote_size": "5000"}}}
    response = sandbox.control.rest(trader, "POST", "/orders", body=body)
    assert response.status_code == 200
    data = response.json()
    assert data["success"] is False
    assert data["error_response"]["error"] == "INSUFFICIENT_FUND"
    assert data["error_response"]["message"] == "Insufficient balance in source account"
    assert data["error_response"]["preview_failure_reason"] == "PREVIEW_INSUFFICIENT_FUND"
    assert data["order_configuration"] == body["order_configuration"]
    assert "order_id" not in data and "failure_reason" not in data
    sell = dict(body, client_order_id=str(uuid.uuid4()), side="SELL", order_configuration={
        "limit_limit_gtc": {"base_size": "1", "limit_price": "100000.00"}})
    assert sandbox.control.rest(trader, "POST", "/orders", body=sell).json()[
        "error_response"]["error"] == "INSUFFICIENT_FUND"


def test_gtd_and_stop_limit_orders_rest_and_batch_cancel_releases_holds(sandbox, sdk, trader):
    client = sdk(trader)
    price = Decimal(client.get_product("BTC-USD").price)
    end = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    gtd = client.limit_order_gtd_buy(
        client_order_id=str(uuid.uuid4()), product_id="BTC-USD", base_size="0.001",
        limit_price=str((price * Decimal("0.6")).quantize(Decimal("0.01"))), end_time=end)
    stop = client.stop_limit_order_gtc_sell(
        client_order_id=str(uuid.uuid4()), product_id="BTC-USD", base_size="0.005",
        limit_price=str((price * Decimal("0.7")).quantize(Decimal("0.01"))),
        stop_price=str((price * Decimal("0.71")).quantize(Decimal("0.01"))),
        stop_direction="STOP_DIRECTION_STOP_DOWN")
    ids = [gtd.success_response["order_id"], stop.success_response["order_id"]]
    held = balances(sandbox, trader)
    assert held["USD"][1] > 0 and held["BTC"] == (Decimal("0.005"), Decimal("0.005"))
    results = client.cancel_orders(order_ids=ids).to_dict()["results"]
    assert all(r["success"] for r in results)
    after = balances(sandbox, trader)
    assert after["USD"] == (Decimal(1000), Decimal(0))
    assert after["BTC"] == (Decimal("0.01"), Decimal(0))


def test_bad_orders_get_real_failure_reasons(sandbox, trader):
    def place(**overrides):
        body = {"client_order_id": str(uuid.uuid4()), "product_id": "BTC-USD", "side": "BUY",
                "order_configuration": {"limit_limit_gtc": {"base_size": "0.001",
                                                            "limit_price": "100.00"}}}
        body.update(overrides)
        return sandbox.control.rest(trader, "POST", "/orders", body=body)

    assert place(product_id="NOPE-USD").json()["error_response"]["error"] == "INVALID_PRODUCT_ID"
    assert place(order_configuration={"twap_limit_gtd": {}}).json()["error_response"][
        "error"] == "UNSUPPORTED_ORDER_CONFIGURATION"
    assert place(order_configuration={"limit_limit_gtc": {
        "base_size": "0.001", "limit_price": "100.001"}}).json()["error_response"][
        "error"] == "INVALID_PRICE_PRECISION"
    too_long = place(client_order_id="x" * 129)
    assert too_long.status_code == 400 and too_long.json()["error"] == "INVALID_ARGUMENT"
    assert place(client_order_id="dup-1").json()["success"] is True
    assert place(client_order_id="dup-1").json()["error_response"][
        "error"] == "DUPLICATE_CLIENT_ORDER_ID"


def test_order_history_filters_and_cursor_pages(sandbox):
    demo = sandbox.control.state()["demo_keys"]
    assert any(d["nickname"] == "demo-trading" for d in demo)
    key = sandbox.control.create_key(permissions=["view"], portfolio=next(
        d["portfolio_uuid"] for d in demo if d["nickname"] == "demo-trading"))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 100, "product_ids": ["BTC-USD", "ETH-USD"]}
        if cursor:
            params["cursor"] = cursor
        page = sandbox.control.rest(key, "GET", "/orders/historical/batch", params=params).json()
        pages += 1
        seen.extend(page["orders"])
        if not page["has_next"]:
            break
        cursor = page["cursor"]
    assert pages >= 2 and len({o["order_id"] for o in seen}) == len(seen) > 100
    assert {o["product_id"] for o in seen} == {"BTC-USD", "ETH-USD"}
    created = [o["created_time"] for o in seen]
    assert created == sorted(created, reverse=True)
    week_ago = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = sandbox.control.rest(key, "GET", "/orders/historical/batch", params={
        "order_status": ["FILLED"], "start_date": week_ago, "limit": 1000}).json()["orders"]
    assert recent and all(o["status"] == "FILLED" and o["created_time"] >= week_ago
                          for o in recent)


def test_fills_cursor_and_order_ids_mixed_with_filters(sandbox):
    demo = sandbox.control.state()["demo_keys"]
    key = sandbox.control.create_key(permissions=["view"], portfolio=demo[0]["portfolio_uuid"])
    total, cursor = 0, ""
    for _ in range(20):
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = sandbox.control.rest(key, "GET", "/orders/historical/fills", params=params).json()
        total += len(page["fills"])
        cursor = page["cursor"]
        if not cursor:
            break
    assert total > 200 and cursor == ""
    mixed = sandbox.control.rest(key, "GET", "/orders/historical/fills",
                                 params={"order_ids": ["a"], "product_ids": ["BTC-USD"]})
    assert mixed.status_code == 400
    assert mixed.text == ('{"error":"INVALID_ARGUMENT","error_details":"cannot pass order_ids '
                          'with other filters","message":"cannot pass order_ids with other '
                          'filters"}')


def test_unknown_order_is_the_real_404(sandbox, trader):
    response = sandbox.control.rest(trader, "GET", f"/orders/historical/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.text == ('{"error":"NOT_FOUND","error_details":"order with this orderID was '
                             'not found","message":"order with this orderID was not found"}')


def test_preview_changes_nothing_and_reports_insufficient_funds(sandbox, sdk, trader):
    client = sdk(trader)
    before = balances(sandbox, trader)
    ok = client.preview_market_order_buy(product_id="BTC-USD", quote_size="100").to_dict()
    assert ok["errs"] == [] and Decimal(ok["order_total"]) <= Decimal(100)
    assert Decimal(ok["base_size"]) > 0 and Decimal(ok["commission_total"]) > 0
    too_big = client.preview_market_order_buy(product_id="BTC-USD", quote_size="5000").to_dict()
    assert too_big["errs"] == ["PREVIEW_INSUFFICIENT_FUND"]
    assert balances(sandbox, trader) == before
    assert client.list_orders().orders == []


def test_move_funds_between_a_users_portfolios_needs_transfer_scope(sandbox, sdk):
    demo = next(d for d in sandbox.control.state()["demo_keys"] if d["nickname"] == "demo-eddsa")
    source = demo["portfolio_uuid"]
    mover = sandbox.control.create_key(algorithm="EdDSA", permissions=["view", "transfer"],
                                       portfolio=source)
    viewer = sandbox.control.create_key(permissions=["view"], portfolio=source)
    client = sdk(mover)
    target = next(p.uuid for p in client.get_portfolios().portfolios
                  if p.name == "Long-term savings")
    with pytest.raises(requests.HTTPError, match="Missing Required Scopes"):
        sdk(viewer).move_portfolio_funds(value="1", currency="USD",
                                         source_portfolio_uuid=source,
                                         target_portfolio_uuid=target)
    before = balances(sandbox, mover)["USD"][0]
    moved = client.move_portfolio_funds(value="1.5", currency="USD",
                                        source_portfolio_uuid=source,
                                        target_portfolio_uuid=target)
    assert (moved.source_portfolio_uuid, moved.target_portfolio_uuid) == (source, target)
    assert balances(sandbox, mover)["USD"][0] == before - Decimal("1.5")
    client.move_portfolio_funds(value="1.5", currency="USD", source_portfolio_uuid=target,
                                target_portfolio_uuid=source)
    assert balances(sandbox, mover)["USD"][0] == before
    stranger = sandbox.control.create_key(permissions=["view", "transfer"])
    with pytest.raises(requests.HTTPError, match="404 Client Error"):
        sdk(stranger).move_portfolio_funds(value="1", currency="USD",
                                           source_portfolio_uuid=stranger["portfolio_uuid"],
                                           target_portfolio_uuid=source)
