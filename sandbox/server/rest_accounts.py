"""REST: server time, key permissions, accounts, portfolios and breakdown, transaction summary."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from aiohttp import web

from sandbox.catalog import CURRENCIES, fmt
from sandbox.server.responses import BadRequest, error, json_body, json_response, qs_int
from sandbox.server.routing import STATE, private, public
from sandbox.server.shapes import account_json, amount, page_after, portfolio_value_usd
from sandbox.world import MAKER_FEE, TAKER_FEE

ACCOUNTS_DEFAULT_LIMIT = 49
ACCOUNTS_MAX_LIMIT = 250


@public
async def server_time(request: web.Request) -> web.Response:
    state = request.app[STATE]
    now = state.clock(state.faults.effective(None).clock_offset_s)
    moment = datetime.fromtimestamp(now, UTC)
    # Epoch values are strings, as the real service sends them.
    return json_response({
        "iso": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
        "epochSeconds": str(int(now)),
        "epochMillis": str(int(now * 1000)),
    })


@private("view")
async def key_permissions(request: web.Request) -> web.Response:
    key = request["key"]
    # [U] portfolio_type: keys here are bound to DEFAULT-type portfolios.
    portfolio = request.app[STATE].world.portfolios[key.portfolio_uuid]
    return json_response({
        "can_view": "view" in key.permissions,
        "can_trade": "trade" in key.permissions,
        "can_transfer": "transfer" in key.permissions,
        "portfolio_uuid": key.portfolio_uuid,
        "portfolio_type": portfolio.type,
    })


@private("view")
async def list_accounts(request: web.Request) -> web.Response:
    world = request.app[STATE].world
    key = request["key"]
    limit = qs_int(request, "limit", ACCOUNTS_DEFAULT_LIMIT, minimum=1,
                   maximum=ACCOUNTS_MAX_LIMIT)
    accounts = world.portfolio_accounts(key.portfolio_uuid)
    page, cursor = page_after(accounts, request.query.get("cursor"), "acct",
                              lambda a: a.uuid, limit)
    return json_response({
        "accounts": [account_json(a) for a in page],
        "has_next": bool(cursor),
        "cursor": cursor,
        "size": len(page),
    })


@private("view")
async def get_account(request: web.Request) -> web.Response:
    world = request.app[STATE].world
    account = world.accounts.get(request.match_info["account_uuid"])
    if account is None or account.portfolio_uuid != request["key"].portfolio_uuid:
        # [U] The real NOT_FOUND text for accounts is not documented.
        return error("NOT_FOUND", "account not found", 404)
    return json_response({"account": account_json(account)})


@private("view")
async def list_portfolios(request: web.Request) -> web.Response:
    world = request.app[STATE].world
    wanted = request.query.get("portfolio_type")
    portfolios = [p for p in world.user_portfolios(request["key"].user_id)
                  if not wanted or p.type == wanted]
    return json_response({"portfolios": [
        {"name": p.name, "uuid": p.uuid, "type": p.type, "deleted": p.deleted}
        for p in portfolios
    ]})


@private("view")
async def portfolio_breakdown(request: web.Request) -> web.Response:
    state = request.app[STATE]
    world, market = state.world, state.market
    portfolio = world.portfolios.get(request.match_info["portfolio_uuid"])
    if portfolio is None or portfolio.user_id != request["key"].user_id:
        return error("NOT_FOUND", "portfolio not found", 404)
    currency = request.query.get("currency") or "USD"
    total = portfolio_value_usd(world, portfolio.uuid, market.usd_price)
    positions, cash, crypto = [], Decimal(0), Decimal(0)
    for account in world.portfolio_accounts(portfolio.uuid):
        held = account.available + account.hold
        if not held:
            continue
        fiat = (held * market.usd_price(account.currency)).quantize(Decimal("0.01"))
        is_cash = account.currency in ("USD", "USDC", "EUR")
        cash, crypto = (cash + fiat, crypto) if is_cash else (cash, crypto + fiat)
        positions.append({
            "asset": account.currency,
            "account_uuid": account.uuid,
            "total_balance_fiat": float(fiat),
            "total_balance_crypto": float(held),
            "available_to_trade_fiat": float(
                (account.available * market.usd_price(account.currency)).quantize(
                    Decimal("0.01"))),
            "allocation": float((fiat / total).quantize(Decimal("0.0001"))) if total else 0.0,
            "one_day_change": 0.0,
            "cost_basis": amount(fiat, "USD"),
            "asset_img_url": "",
            "is_cash": is_cash,
            "average_entry_price": amount(market.usd_price(account.currency), "USD"),
            "asset_uuid": "",
            "available_to_trade_crypto": float(account.available),
            "unrealized_pnl": 0.0,
            "available_to_transfer_fiat": float(fiat),
            "available_to_transfer_crypto": float(account.available),
            "asset_color": "",
            "account_type": "ACCOUNT_TYPE_FIAT" if account.currency in ("USD", "EUR")
            else "ACCOUNT_TYPE_CRYPTO",
        })
    zero = amount(Decimal(0), currency)
    return json_response({"breakdown": {
        "portfolio": {"name": portfolio.name, "uuid": portfolio.uuid, "type": portfolio.type,
                      "deleted": portfolio.deleted},
        "portfolio_balances": {
            "total_balance": amount(total.quantize(Decimal("0.01")), currency),
            "total_futures_balance": zero,
            "total_cash_equivalent_balance": amount(cash, currency),
            "total_crypto_balance": amount(crypto, currency),
            "futures_unrealized_pnl": zero,
            "perp_unrealized_pnl": zero,
        },
        "spot_positions": positions,
        "perp_positions": [],
        "futures_positions": [],
    }})


@private("transfer")
async def move_funds(request: web.Request) -> web.Response:
    world = request.app[STATE].world
    body = await json_body(request)
    funds = body.get("funds")
    source, target = body.get("source_portfolio_uuid"), body.get("target_portfolio_uuid")
    if not isinstance(funds, dict) or not isinstance(funds.get("currency"), str):
        raise BadRequest("funds must be {\"value\": ..., \"currency\": ...}")
    try:
        value = Decimal(str(funds.get("value")))
    except InvalidOperation:
        raise BadRequest("funds.value is not a number") from None
    if not value.is_finite() or value <= 0:
        raise BadRequest("funds.value must be positive")
    user_id = request["key"].user_id
    portfolios = {p.uuid for p in world.user_portfolios(user_id)}
    if source not in portfolios or target not in portfolios:
        return error("NOT_FOUND", "portfolio not found", 404)
    if source == target:
        raise BadRequest("source and target portfolios must differ")
    currency = funds["currency"]
    if currency not in CURRENCIES:
        raise BadRequest(f"unknown currency: {currency}")
    from_account = world.account_for(source, currency)
    if from_account.available < value:
        # [U] The real text for an underfunded transfer is not documented.
        raise BadRequest("Insufficient balance in source account")
    from_account.available -= value
    world.account_for(target, currency).available += value
    return json_response({"source_portfolio_uuid": source, "target_portfolio_uuid": target})


@private("view")
async def transaction_summary(request: web.Request) -> web.Response:
    state = request.app[STATE]
    key = request["key"]
    since = time.time() - 30 * 86400
    volume, fees = Decimal(0), Decimal(0)
    for fill in state.world.fills:
        if fill.portfolio_uuid == key.portfolio_uuid and fill.trade_time >= since:
            quote = fill.product_id.split("-")[1]
            volume += fill.price * fill.size * state.market.usd_price(quote)
            fees += fill.commission * state.market.usd_price(quote)
    return json_response({
        "total_volume": float(volume.quantize(Decimal("0.01"))),
        "total_fees": float(fees.quantize(Decimal("0.01"))),
        "fee_tier": {
            "pricing_tier": "Intro 1", "usd_from": "0", "usd_to": "1000",
            "taker_fee_rate": fmt(TAKER_FEE), "maker_fee_rate": fmt(MAKER_FEE),
            "aop_from": "", "aop_to": "",
        },
        "margin_rate": None,
        "goods_and_services_tax": None,
        "advanced_trade_only_volume": float(volume.quantize(Decimal("0.01"))),
        "advanced_trade_only_fees": float(fees.quantize(Decimal("0.01"))),
        "coinbase_pro_volume": 0.0,
        "coinbase_pro_fees": 0.0,
        "total_balance": fmt(portfolio_value_usd(state.world, key.portfolio_uuid,
                                                 state.market.usd_price).quantize(
            Decimal("0.01"))),
        "has_promo_fee": False,
    })


def register(app: web.Application, prefix: str) -> None:
    app.router.add_get(f"{prefix}/time", server_time)
    app.router.add_get(f"{prefix}/key_permissions", key_permissions)
    app.router.add_get(f"{prefix}/accounts", list_accounts)
    app.router.add_get(f"{prefix}/accounts/{{account_uuid}}", get_account)
    app.router.add_get(f"{prefix}/portfolios", list_portfolios)
    app.router.add_get(f"{prefix}/portfolios/{{portfolio_uuid}}", portfolio_breakdown)
    app.router.add_post(f"{prefix}/portfolios/move_funds", move_funds)
    app.router.add_get(f"{prefix}/transaction_summary", transaction_summary)
