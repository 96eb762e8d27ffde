"""WebSocket event payloads (the items of `events[]`), field names as in the SDK's types."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from sandbox.catalog import PRODUCTS, PRODUCTS_BY_ID, fmt, reference_price
from sandbox.market import Market
from sandbox.world import Order, ts

CANDLE_S = 300  # the candles channel pushes five-minute buckets


def heartbeat(counter: int, started: float) -> dict:
    now = datetime.now(UTC)
    # Go's time format, as the real service prints it.
    return {
        "current_time": now.strftime("%Y-%m-%d %H:%M:%S.%f") + "000 +0000 UTC m=+"
        + f"{time.monotonic() - started:.9f}",
        "heartbeat_counter": counter,
    }


def ticker(market: Market, product_id: str) -> dict:
    book = market.books[product_id]
    bid, bid_qty = book.best_bid()
    ask, ask_qty = book.best_ask()
    price = market.price(product_id)
    opening = market.open_24h[product_id]
    return {
        "type": "ticker", "product_id": product_id, "price": fmt(price),
        "volume_24_h": fmt(market.volume_24h[product_id]),
        "low_24_h": fmt(min(price, opening)), "high_24_h": fmt(max(price, opening)),
        "low_52_w": fmt((min(price, opening) * Decimal("0.55")).quantize(
            book.product.quote_increment)),
        "high_52_w": fmt((max(price, opening) * Decimal("1.35")).quantize(
            book.product.quote_increment)),
        "price_percent_chg_24_h": fmt(market.change_pct(product_id)),
        "best_bid": fmt(bid), "best_bid_quantity": fmt(bid_qty),
        "best_ask": fmt(ask), "best_ask_quantity": fmt(ask_qty),
    }


def l2_snapshot(market: Market, product_id: str) -> dict:
    book = market.books[product_id]
    stamp = ts(time.time())
    updates = [{"side": "bid", "event_time": stamp, "price_level": fmt(p), "new_quantity": fmt(s)}
               for p, s in book.sorted_bids()]
    updates += [{"side": "offer", "event_time": stamp, "price_level": fmt(p),
                 "new_quantity": fmt(s)} for p, s in book.sorted_asks()]
    return {"type": "snapshot", "product_id": product_id, "updates": updates}


def l2_update(product_id: str, changes, stamp: str) -> dict:
    return {"type": "update", "product_id": product_id, "updates": [
        {"side": side, "event_time": stamp, "price_level": fmt(price), "new_quantity": fmt(qty)}
        for side, price, qty in changes
    ]}


def trades(market: Market, product_id: str, limit: int) -> list[dict]:
    return [{"trade_id": str(t.trade_id), "product_id": t.product_id, "price": fmt(t.price),
             "size": fmt(t.size), "side": t.side, "time": ts(t.time)}
            for t in reversed(market.trades[product_id][-limit:])]


def candle(market: Market, product_id: str, seed: int) -> dict:
    product = PRODUCTS_BY_ID[product_id]
    now = time.time()
    start = int(now // CANDLE_S) * CANDLE_S
    opening = reference_price(product, start, seed)
    price = market.price(product_id)
    return {"start": str(start), "high": fmt(max(opening, price)), "low": fmt(min(opening, price)),
            "open": fmt(opening), "close": fmt(price),
            "volume": fmt((market.volume_24h[product_id] / 288).quantize(
                product.base_increment)), "product_id": product_id}


def status_products(product_ids) -> list[dict]:
    wanted = set(product_ids)
    return [{
        "product_type": "SPOT", "id": p.product_id, "base_currency": p.base,
        "quote_currency": p.quote, "base_increment": fmt(p.base_increment),
        "quote_increment": fmt(p.quote_increment), "display_name": f"{p.base}-{p.quote}",
        "status": "online", "status_message": "", "min_market_funds": fmt(p.quote_min_size),
    } for p in PRODUCTS if not wanted or p.product_id in wanted]


def user_order(order: Order) -> dict:
    leaf = order.leaf
    size = Decimal(leaf.get("base_size") or 0)
    leaves = max(size - order.filled_size, Decimal(0)) if order.status == "OPEN" else Decimal(0)
    average = order.filled_value / order.filled_size if order.filled_size else Decimal(0)
    completion = (order.filled_size / size * 100).quantize(Decimal("0.01")) if size else (
        Decimal(100) if order.status == "FILLED" else Decimal(0))
    return {
        "avg_price": fmt(average.quantize(Decimal("0.0000000001"))),
        "cancel_reason": order.cancel_message,
        "client_order_id": order.client_order_id,
        "completion_percentage": fmt(completion),
        "contract_expiry_type": "UNKNOWN_CONTRACT_EXPIRY_TYPE",
        "cumulative_quantity": fmt(order.filled_size),
        "filled_value": fmt(order.filled_value),
        "leaves_quantity": fmt(leaves),
        "limit_price": leaf.get("limit_price", "0"),
        "number_of_fills": str(order.number_of_fills),
        "order_id": order.order_id,
        "order_side": order.side,
        "order_type": order.order_type,
        "outstanding_hold_amount": fmt(order.hold_amount),
        "post_only": "true" if leaf.get("post_only") else "false",
        "product_id": order.product_id,
        "product_type": "SPOT",
        "reject_reason": "",
        "retail_portfolio_id": order.portfolio_uuid,
        "risk_managed_by": "UNKNOWN_RISK_MANAGEMENT_TYPE",
        "status": order.status,
        "stop_price": leaf.get("stop_price", ""),
        "time_in_force": order.time_in_force,
        "total_fees": fmt(order.total_fees),
        "total_value_after_fees": fmt(order.filled_value + order.total_fees),
        "trigger_status": order.trigger_status,
        "creation_time": ts(order.created_time),
        "end_time": ts(order.end_time) if order.end_time else "0001-01-01T00:00:00Z",
        "start_time": "0001-01-01T00:00:00Z",
    }


def empty_positions() -> dict:
    return {"perpetual_futures_positions": [], "expiring_futures_positions": []}


def futures_balance_summary() -> dict:
    window = {"margin_window_type": "FCM_MARGIN_WINDOW_TYPE_INTRADAY",
              "margin_level": "MARGIN_LEVEL_TYPE_BASE", "initial_margin": "0",
              "maintenance_margin": "0", "liquidation_buffer_percentage": "1000",
              "total_hold": "0", "futures_buying_power": "0"}
    return {
        "futures_buying_power": "0", "total_usd_balance": "0", "cbi_usd_balance": "0",
        "cfm_usd_balance": "0", "total_open_orders_hold_amount": "0", "unrealized_pnl": "0",
        "daily_realized_pnl": "0", "initial_margin": "0", "available_margin": "0",
        "liquidation_threshold": "0", "liquidation_buffer_amount": "0",
        "liquidation_buffer_percentage": "1000",
        "intraday_margin_window_measure": window,
        "overnight_margin_window_measure": {**window,
                                            "margin_window_type":
                                                "FCM_MARGIN_WINDOW_TYPE_OVERNIGHT"},
    }
