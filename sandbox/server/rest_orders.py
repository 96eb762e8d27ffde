"""REST: create order, batch cancel, historical orders (batch, one), fills."""

from __future__ import annotations

import uuid
from decimal import Decimal

from aiohttp import web

from sandbox import trading
from sandbox.catalog import fmt
from sandbox.server.responses import BadRequest, error, json_body, json_response, qs_int, qs_list
from sandbox.server.routing import STATE, private
from sandbox.server.shapes import fill_json, order_json, page_after
from sandbox.world import MAKER_FEE, TAKER_FEE, parse_ts

ORDERS_DEFAULT_LIMIT = 100  # [U] undocumented default
ORDERS_MAX_LIMIT = 1000
FILLS_DEFAULT_LIMIT = 100  # [U]
MAX_CANCEL_IDS = 100  # [U]


@private("trade")
async def create_order(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await json_body(request)
    configuration = body.get("order_configuration")
    try:
        order = trading.create_order(state.world, state.market, key=request["key"], body=body)
    except trading.InvalidRequest as exc:
        raise BadRequest(str(exc)) from None
    except trading.OrderRejected as exc:
        state.counters["orders_rejected"] += 1
        return json_response({"success": False, "error_response": exc.error_response,
                              "order_configuration": configuration})
    state.counters["orders_created"] += 1
    state.publish_order(order)
    return json_response({
        "success": True,
        "success_response": {
            "order_id": order.order_id, "product_id": order.product_id, "side": order.side,
            "client_order_id": order.client_order_id,
        },
        "order_configuration": order.configuration,
    })


@private("trade")
async def preview_order(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await json_body(request)
    body.setdefault("client_order_id", "preview")
    book = state.market.books.get(body.get("product_id")) if isinstance(
        body.get("product_id"), str) else None
    result = {
        "order_total": "0", "commission_total": "0", "errs": [], "warning": [],
        "quote_size": "0", "base_size": "0",
        "best_bid": fmt(book.best_bid()[0]) if book else "0",
        "best_ask": fmt(book.best_ask()[0]) if book else "0",
        "is_max": False, "order_margin_total": "0", "leverage": "1", "long_leverage": "1",
        "short_leverage": "1", "slippage": "0", "preview_id": str(uuid.uuid4()),
    }
    try:
        plan = trading.plan_order(state.world, state.market, key=request["key"], body=body)
    except trading.InvalidRequest as exc:
        raise BadRequest(str(exc)) from None
    except trading.OrderRejected as exc:
        result["errs"] = [exc.error_response["preview_failure_reason"]]
        return json_response(result)
    taker_base = sum((s for _, s in plan.executions), Decimal(0))
    taker_quote = sum((p * s for p, s in plan.executions), Decimal(0))
    commission = taker_quote * TAKER_FEE
    base, quote = taker_base, taker_quote
    if plan.rests:
        leaf = plan.order.leaf
        rest_base = Decimal(leaf["base_size"]) - taker_base
        rest_quote = rest_base * Decimal(leaf["limit_price"])
        base, quote = base + rest_base, quote + rest_quote
        commission += rest_quote * MAKER_FEE
    total = quote + commission if plan.order.side == "BUY" else quote - commission
    result.update(order_total=fmt(total.quantize(Decimal("0.00000001"))),
                  commission_total=fmt(commission.quantize(Decimal("0.00000001"))),
                  quote_size=fmt(quote.quantize(Decimal("0.00000001"))), base_size=fmt(base))
    return json_response(result)


@private("trade")
async def batch_cancel(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await json_body(request)
    order_ids = body.get("order_ids")
    if not isinstance(order_ids, list) or not all(isinstance(i, str) for i in order_ids):
        raise BadRequest("order_ids must be a list of order ids")
    if len(order_ids) > MAX_CANCEL_IDS:
        raise BadRequest(f"at most {MAX_CANCEL_IDS} order ids per request")
    key = request["key"]
    results = []
    for order_id in order_ids:
        order = state.world.orders.get(order_id)
        if order is None or order.portfolio_uuid != key.portfolio_uuid:
            reason = "UNKNOWN_CANCEL_ORDER"
        else:
            reason = trading.cancel_order(state.world, order)
            if reason is None:
                state.publish_order(order)
        results.append({"success": reason is None,
                        "failure_reason": reason or "UNKNOWN_CANCEL_FAILURE_REASON",
                        "order_id": order_id})
    return json_response({"results": results})


def _time_param(request: web.Request, name: str) -> float | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return parse_ts(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an RFC 3339 time") from None


@private("view")
async def list_orders(request: web.Request) -> web.Response:
    world = request.app[STATE].world
    key = request["key"]
    limit = qs_int(request, "limit", ORDERS_DEFAULT_LIMIT, minimum=1, maximum=ORDERS_MAX_LIMIT)
    order_ids = set(qs_list(request, "order_ids"))
    product_ids = set(qs_list(request, "product_ids"))
    statuses = set(qs_list(request, "order_status"))
    order_types = set(qs_list(request, "order_types"))
    tifs = set(qs_list(request, "time_in_forces"))
    side = request.query.get("order_side")
    start, end = _time_param(request, "start_date"), _time_param(request, "end_date")
    orders = [
        o for o in world.orders.values()
        if o.portfolio_uuid == key.portfolio_uuid
        and (not order_ids or o.order_id in order_ids)
        and (not product_ids or o.product_id in product_ids)
        and (not statuses or o.status in statuses)
        and (not order_types or o.order_type in order_types)
        and (not tifs or o.time_in_force in tifs)
        and (not side or o.side == side)
        and (start is None or o.created_time >= start)
        and (end is None or o.created_time <= end)
    ]
    sort_by = request.query.get("sort_by") or "UNKNOWN_SORT_BY"
    if sort_by == "LIMIT_PRICE":
        orders.sort(key=lambda o: (Decimal(o.leaf.get("limit_price") or 0), o.created_time),
                    reverse=True)
    elif sort_by == "LAST_FILL_TIME":
        orders.sort(key=lambda o: (o.last_fill_time or 0, o.created_time), reverse=True)
    else:
        orders.sort(key=lambda o: (o.created_time, o.order_id), reverse=True)
    page, cursor = page_after(orders, request.query.get("cursor"), "ord",
                              lambda o: o.order_id, limit)
    return json_response({"orders": [order_json(o) for o in page], "sequence": "0",
                          "has_next": bool(cursor), "cursor": cursor})


@private("view")
async def get_order(request: web.Request) -> web.Response:
    order = request.app[STATE].world.orders.get(request.match_info["order_id"])
    if order is None or order.portfolio_uuid != request["key"].portfolio_uuid:
        return error("NOT_FOUND", "order with this orderID was not found", 404)
    return json_response({"order": order_json(order)})


@private("view")
async def list_fills(request: web.Request) -> web.Response:
    world = request.app[STATE].world
    key = request["key"]
    order_ids = set(qs_list(request, "order_ids"))
    trade_ids = set(qs_list(request, "trade_ids"))
    product_ids = set(qs_list(request, "product_ids"))
    start = _time_param(request, "start_sequence_timestamp")
    end = _time_param(request, "end_sequence_timestamp")
    if order_ids and (trade_ids or product_ids or start is not None or end is not None):
        raise BadRequest("cannot pass order_ids with other filters")
    limit = qs_int(request, "limit", FILLS_DEFAULT_LIMIT, minimum=1, maximum=1000)
    fills = [
        f for f in world.fills
        if f.portfolio_uuid == key.portfolio_uuid
        and (not order_ids or f.order_id in order_ids)
        and (not trade_ids or f.trade_id in trade_ids)
        and (not product_ids or f.product_id in product_ids)
        and (start is None or f.trade_time >= start)
        and (end is None or f.trade_time <= end)
    ]
    if request.query.get("sort_by") == "PRICE":
        fills.sort(key=lambda f: (f.price, f.trade_time), reverse=True)
    else:
        fills.sort(key=lambda f: (f.trade_time, f.entry_id), reverse=True)
    page, cursor = page_after(fills, request.query.get("cursor"), "fill",
                              lambda f: f.entry_id, limit)
    # No has_next on fills: the end is an empty cursor.
    return json_response({"fills": [fill_json(f) for f in page], "cursor": cursor})


def register(app: web.Application, prefix: str) -> None:
    app.router.add_post(f"{prefix}/orders", create_order)
    app.router.add_post(f"{prefix}/orders/preview", preview_order)
    app.router.add_post(f"{prefix}/orders/batch_cancel", batch_cancel)
    app.router.add_get(f"{prefix}/orders/historical/batch", list_orders)
    app.router.add_get(f"{prefix}/orders/historical/fills", list_fills)
    app.router.add_get(f"{prefix}/orders/historical/{{order_id}}", get_order)
