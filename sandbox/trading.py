"""Order lifecycle against the simulated market: create (hold or fill), cancel, expire, cross.

Funds: a resting BUY holds `size × limit × (1 + taker fee)` of the quote currency, a resting
SELL holds `size` of the base currency; fills settle both accounts and charge the fee in the
quote currency. [U] The real hold formula is not published; this one never under-holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sandbox.catalog import PRODUCTS_BY_ID, Product
from sandbox.market import Market
from sandbox.world import MAKER_FEE, TAKER_FEE, Order, World, parse_ts, record_fill

SUPPORTED = {
    "market_market_ioc": ("MARKET", "IMMEDIATE_OR_CANCEL"),
    "limit_limit_gtc": ("LIMIT", "GOOD_UNTIL_CANCELLED"),
    "limit_limit_gtd": ("LIMIT", "GOOD_UNTIL_DATE_TIME"),
    "stop_limit_stop_limit_gtc": ("STOP_LIMIT", "GOOD_UNTIL_CANCELLED"),
}
MAX_CLIENT_ORDER_ID = 128


class OrderRejected(Exception):
    """A business failure, answered as HTTP 200 with `success:false`."""

    def __init__(self, error: str, message: str, preview: str, details: str = ""):
        super().__init__(message)
        self.error_response = {
            "error": error,
            "message": message,
            "error_details": details,
            "preview_failure_reason": preview,
            "new_order_failure_reason": error,
        }


class InvalidRequest(ValueError):
    """A malformed request, answered as 400 INVALID_ARGUMENT."""


def _decimal(leaf: dict, name: str, required: bool = True) -> Decimal | None:
    raw = leaf.get(name)
    if raw in (None, ""):
        if required:
            raise InvalidRequest(f"{name} is required")
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise InvalidRequest(f"{name} is not a number: {raw}") from None
    if not value.is_finite() or value <= 0:
        raise InvalidRequest(f"{name} must be positive")
    return value


def _check_increment(value: Decimal, increment: Decimal, error: str, preview: str) -> None:
    if value % increment != 0:
        raise OrderRejected(error, f"{error.replace('_', ' ').capitalize()}", preview)


@dataclass
class Plan:
    """What an order would do now: taker executions and the hold for the rest."""

    order: Order
    product: Product
    executions: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    hold: Decimal = Decimal(0)
    hold_currency: str = ""
    rests: bool = False


def plan_order(world: World, market: Market, *, key, body: dict,
               now: float | None = None) -> Plan:
    """Validate an order and work out its effect without changing anything."""
    now = time.time() if now is None else now
    client_order_id = body.get("client_order_id")
    if not isinstance(client_order_id, str) or not client_order_id:
        raise InvalidRequest("client_order_id is required")
    if len(client_order_id) > MAX_CLIENT_ORDER_ID:
        raise InvalidRequest(f"client_order_id must be at most {MAX_CLIENT_ORDER_ID} characters")
    configuration = body.get("order_configuration")
    if not isinstance(configuration, dict) or len(configuration) != 1:
        raise InvalidRequest("order_configuration must hold exactly one order type")
    config_name, leaf = next(iter(configuration.items()))
    if not isinstance(leaf, dict):
        raise InvalidRequest("order_configuration must hold exactly one order type")
    product_id = body.get("product_id")
    product = PRODUCTS_BY_ID.get(product_id) if isinstance(product_id, str) else None
    if product is None:
        raise OrderRejected("INVALID_PRODUCT_ID", "Invalid product_id",
                            "PREVIEW_INVALID_PRODUCT_ID")
    side = body.get("side")
    if side not in ("BUY", "SELL"):
        raise OrderRejected("INVALID_SIDE", "Invalid side", "PREVIEW_INVALID_SIDE")
    if config_name not in SUPPORTED:
        raise OrderRejected("UNSUPPORTED_ORDER_CONFIGURATION",
                            "Unsupported order configuration", "PREVIEW_INVALID_ORDER_CONFIG")
    if any(o.client_order_id == client_order_id and o.portfolio_uuid == key.portfolio_uuid
           for o in world.orders.values()):
        raise OrderRejected("DUPLICATE_CLIENT_ORDER_ID", "Duplicate client_order_id",
                            "UNKNOWN_PREVIEW_FAILURE_REASON")
    order_type, tif = SUPPORTED[config_name]
    order = Order(
        order_id="", product_id=product.product_id, user_id=key.user_id,
        portfolio_uuid=key.portfolio_uuid, side=side, client_order_id=client_order_id,
        order_type=order_type, config_name=config_name, configuration={config_name: leaf},
        created_time=now, status="OPEN", time_in_force=tif,
    )
    plan = Plan(order, product)
    if config_name == "market_market_ioc":
        _plan_market(world, market, plan, leaf)
    else:
        _plan_limit(world, market, plan, leaf, now)
    return plan


def create_order(world: World, market: Market, *, key, body: dict,
                 now: float | None = None) -> Order:
    """Place an order: taker fills settle at once, the rest rests with a hold."""
    now = time.time() if now is None else now
    plan = plan_order(world, market, key=key, body=body, now=now)
    order, product = plan.order, plan.product
    order.order_id = world.new_uuid()
    if plan.executions:
        market.take(product.product_id, order.side,
                    base_size=sum(s for _, s in plan.executions))
    for price, size in plan.executions:
        fill = record_fill(world, order, price, size, TAKER_FEE, now)
        fill.liquidity_indicator = "TAKER"
        _settle(world, order, product, price, size, fill.commission)
    if plan.rests:
        account = world.account_for(order.portfolio_uuid, plan.hold_currency)
        account.available -= plan.hold
        account.hold += plan.hold
        order.hold_amount, order.hold_currency = plan.hold, plan.hold_currency
    else:
        order.status, order.end_time = "FILLED", now
    world.orders[order.order_id] = order
    return order


def _plan_market(world, market, plan: Plan, leaf) -> None:
    order, product = plan.order, plan.product
    quote_size = _decimal(leaf, "quote_size", required=False)
    base_size = _decimal(leaf, "base_size", required=quote_size is None)
    if base_size is not None:
        _check_increment(base_size, product.base_increment, "INVALID_SIZE_PRECISION",
                         "PREVIEW_INVALID_SIZE_PRECISION")
    quote = world.account_for(order.portfolio_uuid, product.quote)
    base = world.account_for(order.portfolio_uuid, product.base)
    if order.side == "BUY":
        budget = quote_size / (1 + TAKER_FEE) if quote_size is not None else None
        executions = market.take(product.product_id, "BUY", base_size=base_size,
                                 quote_budget=budget, record=False)
        cost = sum((p * s for p, s in executions), Decimal(0)) * (1 + TAKER_FEE)
        if not executions or cost > quote.available:
            raise _insufficient()
    else:
        executions = market.take(product.product_id, "SELL", base_size=base_size,
                                 quote_budget=quote_size, record=False)
        if not executions or sum(s for _, s in executions) > base.available:
            raise _insufficient()
    plan.executions = executions


def _plan_limit(world, market, plan: Plan, leaf, now) -> None:
    order, product = plan.order, plan.product
    base_size = _decimal(leaf, "base_size")
    limit_price = _decimal(leaf, "limit_price")
    _check_increment(base_size, product.base_increment, "INVALID_SIZE_PRECISION",
                     "PREVIEW_INVALID_SIZE_PRECISION")
    _check_increment(limit_price, product.quote_increment, "INVALID_PRICE_PRECISION",
                     "PREVIEW_INVALID_PRICE_PRECISION")
    if base_size < product.base_min_size:
        raise OrderRejected("UNKNOWN_FAILURE_REASON", "Order size is too small",
                            "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL")
    if order.config_name == "limit_limit_gtd":
        try:
            expires = parse_ts(str(leaf.get("end_time")))
        except ValueError:
            raise InvalidRequest("end_time must be an RFC 3339 time") from None
        if expires <= now:
            raise OrderRejected("INVALID_REQUEST", "end_time must be in the future",
                                "PREVIEW_INVALID_END_TIME")
    if order.config_name.startswith("stop_limit"):
        _decimal(leaf, "stop_price")
        if leaf.get("stop_direction") not in ("STOP_DIRECTION_STOP_UP",
                                              "STOP_DIRECTION_STOP_DOWN"):
            raise InvalidRequest("stop_direction must be STOP_DIRECTION_STOP_UP or _DOWN")
        order.trigger_status = "STOP_PENDING"
    if order.side == "BUY":
        need, currency = base_size * limit_price * (1 + TAKER_FEE), product.quote
    else:
        need, currency = base_size, product.base
    if need > world.account_for(order.portfolio_uuid, currency).available:
        raise _insufficient()
    marketable = [] if order.config_name.startswith("stop_limit") else market.take(
        product.product_id, order.side, base_size=base_size, limit_price=limit_price,
        record=False)
    if marketable and leaf.get("post_only"):
        raise OrderRejected("INVALID_LIMIT_PRICE_POST_ONLY",
                            "Limit price would cross the book for a post-only order",
                            "PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY")
    plan.executions = marketable
    remaining = base_size - sum((s for _, s in marketable), Decimal(0))
    if remaining > 0:
        plan.rests = True
        plan.hold_currency = currency
        plan.hold = remaining * limit_price * (1 + TAKER_FEE) if order.side == "BUY" else remaining


def _insufficient() -> OrderRejected:
    return OrderRejected("INSUFFICIENT_FUND", "Insufficient balance in source account",
                         "PREVIEW_INSUFFICIENT_FUND")


def _settle(world, order, product, price, size, commission) -> None:
    quote = world.account_for(order.portfolio_uuid, product.quote)
    base = world.account_for(order.portfolio_uuid, product.base)
    if order.side == "BUY":
        quote.available -= price * size + commission
        base.available += size
    else:
        base.available -= size
        quote.available += price * size - commission


def release_hold(world: World, order: Order) -> None:
    if order.hold_amount:
        account = world.account_for(order.portfolio_uuid, order.hold_currency)
        account.hold -= order.hold_amount
        account.available += order.hold_amount
        order.hold_amount = Decimal(0)


def cancel_order(world: World, order: Order, now: float | None = None) -> str | None:
    """Cancel an open order; returns a failure reason or None on success."""
    if order.status == "FILLED":
        return "ORDER_IS_FULLY_FILLED"
    if order.status in ("CANCELLED", "EXPIRED", "FAILED"):
        return "DUPLICATE_CANCEL_REQUEST"
    release_hold(world, order)
    order.status = "CANCELLED"
    order.cancel_message = "User requested cancel"
    order.end_time = time.time() if now is None else now
    return None


def sweep(world: World, market: Market, now: float | None = None) -> list[Order]:
    """Expire GTD orders past end_time and fill resting limits the price has crossed."""
    now = time.time() if now is None else now
    changed = []
    for order in world.orders.values():
        if order.status != "OPEN":
            continue
        if order.config_name == "limit_limit_gtd" and parse_ts(order.leaf["end_time"]) <= now:
            release_hold(world, order)
            order.status, order.end_time = "EXPIRED", now
            changed.append(order)
            continue
        if order.order_type != "LIMIT":
            continue
        price = market.price(order.product_id)
        limit = Decimal(order.leaf["limit_price"])
        if (order.side == "BUY" and price <= limit) or (order.side == "SELL" and price >= limit):
            product = PRODUCTS_BY_ID[order.product_id]
            size = Decimal(order.leaf["base_size"]) - order.filled_size
            release_hold(world, order)
            fill = record_fill(world, order, limit, size, MAKER_FEE, now)
            _settle(world, order, product, limit, size, fill.commission)
            order.status, order.end_time = "FILLED", now
            changed.append(order)
    return changed
