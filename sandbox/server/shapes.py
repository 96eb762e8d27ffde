"""JSON shapes of the API's objects (field names as in the SDK's types; numbers as strings)."""

from __future__ import annotations

import base64
from decimal import Decimal

from sandbox.catalog import Product, fmt
from sandbox.server.responses import BadRequest
from sandbox.world import Account, Fill, Order, World, currency_name, ts


def amount(value: Decimal, currency: str) -> dict:
    return {"value": fmt(value), "currency": currency}


def account_json(account: Account) -> dict:
    fiat = account.currency in ("USD", "EUR")
    return {
        "uuid": account.uuid,
        "name": f"{account.currency} Wallet",
        "currency": account.currency,
        "available_balance": amount(account.available, account.currency),
        "default": account.currency == "USD",
        "active": True,
        "created_at": ts(account.created_at),
        "updated_at": ts(account.created_at),
        "deleted_at": None,
        "type": "ACCOUNT_TYPE_FIAT" if fiat else "ACCOUNT_TYPE_CRYPTO",
        "ready": True,
        "hold": amount(account.hold, account.currency),
        "retail_portfolio_id": account.portfolio_uuid,
        "platform": "ACCOUNT_PLATFORM_CONSUMER",
    }


def order_json(order: Order) -> dict:
    average = order.filled_value / order.filled_size if order.filled_size else Decimal(0)
    base_size = Decimal(order.leaf.get("base_size") or 0)
    if order.status == "FILLED":
        completion = Decimal(100)
    elif base_size:
        completion = (order.filled_size / base_size * 100).quantize(Decimal("0.01"))
    else:
        completion = Decimal(0)
    after_fees = (order.filled_value + order.total_fees if order.side == "BUY"
                  else order.filled_value - order.total_fees)
    return {
        "order_id": order.order_id,
        "product_id": order.product_id,
        "user_id": order.user_id,
        "order_configuration": order.configuration,
        "side": order.side,
        "client_order_id": order.client_order_id,
        "status": order.status,
        "time_in_force": order.time_in_force,
        "created_time": ts(order.created_time),
        "completion_percentage": fmt(completion),
        "filled_size": fmt(order.filled_size),
        "average_filled_price": fmt(average.quantize(Decimal("0.0000000001"))),
        "fee": "",
        "number_of_fills": str(order.number_of_fills),
        "filled_value": fmt(order.filled_value),
        "pending_cancel": False,
        "size_in_quote": "quote_size" in order.leaf,
        "total_fees": fmt(order.total_fees),
        "size_inclusive_of_fees": False,
        "total_value_after_fees": fmt(after_fees),
        "trigger_status": order.trigger_status,
        "order_type": order.order_type,
        "reject_reason": "REJECT_REASON_UNSPECIFIED",
        "settled": order.status in ("FILLED", "CANCELLED", "EXPIRED"),
        "product_type": "SPOT",
        "reject_message": "",
        "cancel_message": order.cancel_message,
        "order_placement_source": "RETAIL_ADVANCED",
        "outstanding_hold_amount": fmt(order.hold_amount),
        "is_liquidation": False,
        "last_fill_time": ts(order.last_fill_time) if order.last_fill_time else None,
        "edit_history": [],
        "leverage": "",
        "margin_type": "UNKNOWN_MARGIN_TYPE",
        "retail_portfolio_id": order.portfolio_uuid,
        "originating_order_id": "",
        "attached_order_id": "",
    }


def fill_json(fill: Fill) -> dict:
    return {
        "entry_id": fill.entry_id,
        "trade_id": fill.trade_id,
        "order_id": fill.order_id,
        "trade_time": ts(fill.trade_time),
        "trade_type": "FILL",
        "price": fmt(fill.price),
        "size": fmt(fill.size),
        "commission": fmt(fill.commission),
        "product_id": fill.product_id,
        "sequence_timestamp": ts(fill.trade_time),
        "liquidity_indicator": fill.liquidity_indicator,
        "size_in_quote": False,
        "user_id": fill.user_id,
        "side": fill.side,
        "retail_portfolio_id": fill.portfolio_uuid,
    }


def product_json(product: Product, price: Decimal, change_pct: Decimal, volume: Decimal) -> dict:
    return {
        "product_id": product.product_id,
        "price": fmt(price),
        "price_percentage_change_24h": fmt(change_pct),
        "volume_24h": fmt(volume),
        "volume_percentage_change_24h": "-3.21",
        "base_increment": fmt(product.base_increment),
        "quote_increment": fmt(product.quote_increment),
        "quote_min_size": fmt(product.quote_min_size),
        "quote_max_size": "50000000",
        "base_min_size": fmt(product.base_min_size),
        "base_max_size": "100000000",
        "base_name": currency_name(product.base),
        "quote_name": currency_name(product.quote),
        "watched": False,
        "is_disabled": False,
        "new": False,
        "status": "online",
        "cancel_only": False,
        "limit_only": False,
        "post_only": False,
        "trading_disabled": False,
        "auction_mode": False,
        "product_type": "SPOT",
        "quote_currency_id": product.quote,
        "base_currency_id": product.base,
        "fcm_trading_session_details": None,
        "mid_market_price": "",
        "alias": "",
        "alias_to": [],
        "base_display_symbol": product.base,
        "quote_display_symbol": product.quote,
        "view_only": False,
        "price_increment": fmt(product.quote_increment),
        "display_name": f"{product.base}-{product.quote}",
        "product_venue": "CBE",
        "approximate_quote_24h_volume": fmt((volume * price).quantize(Decimal("0.01"))),
    }


def encode_cursor(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("invalid cursor") from None
    prefix, _, value = text.partition(":")
    if prefix != kind or not value:
        raise BadRequest("invalid cursor")
    return value


def page_after(items: list, cursor: str | None, kind: str, ident, limit: int):
    """Slice `items` (already sorted) after the cursor's item; returns (page, next_cursor)."""
    start = 0
    if cursor:
        marker = decode_cursor(kind, cursor)
        ids = [ident(item) for item in items]
        if marker not in ids:
            raise BadRequest("invalid cursor")
        start = ids.index(marker) + 1
    page = items[start:start + limit]
    more = start + limit < len(items)
    next_cursor = encode_cursor(kind, ident(page[-1])) if more and page else ""
    return page, next_cursor


def portfolio_value_usd(world: World, portfolio_uuid: str, prices) -> Decimal:
    total = Decimal(0)
    for account in world.portfolio_accounts(portfolio_uuid):
        total += (account.available + account.hold) * prices(account.currency)
    return total
