"""REST: products, market trades (ticker), candles, product book, best bid/ask.

Each private route has a public twin under `/market/...` that needs no JWT.
"""

from __future__ import annotations

import time
from decimal import Decimal

from aiohttp import web

from sandbox.catalog import (
    PRODUCTS,
    PRODUCTS_BY_ID,
    deterministic_fraction,
    fmt,
    quantize,
    reference_price,
)
from sandbox.server.responses import (
    BadRequest,
    error,
    json_response,
    qs_bool,
    qs_int,
    qs_list,
)
from sandbox.server.routing import STATE, private, public
from sandbox.server.shapes import product_json
from sandbox.world import ts

GRANULARITY_S = {
    "ONE_MINUTE": 60, "FIVE_MINUTE": 300, "FIFTEEN_MINUTE": 900, "THIRTY_MINUTE": 1800,
    "ONE_HOUR": 3600, "TWO_HOUR": 7200, "SIX_HOUR": 21600, "ONE_DAY": 86400,
}
# [U] The real cap is about 350 candles per request.
MAX_CANDLES = 350
NOT_FOUND_PRODUCT = "ProductID is invalid"  # [U] text of the real 404/400 for an unknown id


def _product_or_404(product_id: str):
    product = PRODUCTS_BY_ID.get(product_id)
    if product is None:
        raise BadRequest(NOT_FOUND_PRODUCT, code="NOT_FOUND", status=404)
    return product


def _product_payload(state, product) -> dict:
    market = state.market
    pid = product.product_id
    return product_json(product, market.price(pid), market.change_pct(pid),
                        market.volume_24h[pid])


async def list_products(request: web.Request) -> web.Response:
    state = request.app[STATE]
    qs_bool(request, "get_tradability_status")  # validated; every product is tradable here
    qs_bool(request, "get_all_products")
    wanted = set(qs_list(request, "product_ids"))
    product_type = request.query.get("product_type")
    products = [p for p in PRODUCTS if not wanted or p.product_id in wanted]
    if product_type and product_type != "SPOT":
        products = []
    total = len(products)
    offset = qs_int(request, "offset", 0) or 0
    limit = qs_int(request, "limit", None, minimum=0)
    products = products[offset:offset + limit] if limit else products[offset:]
    return json_response({"products": [_product_payload(state, p) for p in products],
                          "num_products": total})


async def get_product(request: web.Request) -> web.Response:
    product = _product_or_404(request.match_info["product_id"])
    qs_bool(request, "get_tradability_status")
    return json_response(_product_payload(request.app[STATE], product))


async def market_trades(request: web.Request) -> web.Response:
    state = request.app[STATE]
    product = _product_or_404(request.match_info["product_id"])
    limit = qs_int(request, "limit", None, minimum=1, maximum=1000)
    if limit is None:
        raise BadRequest("limit is required")
    trades = list(reversed(state.market.trades[product.product_id]))
    start, end = request.query.get("start"), request.query.get("end")
    if start:
        trades = [t for t in trades if t.time >= _unix(start, "start")]
    if end:
        trades = [t for t in trades if t.time <= _unix(end, "end")]
    book = state.market.books[product.product_id]
    return json_response({
        "trades": [{
            "trade_id": str(t.trade_id), "product_id": t.product_id, "price": fmt(t.price),
            "size": fmt(t.size), "time": ts(t.time), "side": t.side, "exchange": "CBE",
        } for t in trades[:limit]],
        "best_bid": fmt(book.best_bid()[0]),
        "best_ask": fmt(book.best_ask()[0]),
    })


def _unix(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise BadRequest(f"invalid {name}: {value}") from None


async def candles(request: web.Request) -> web.Response:
    state = request.app[STATE]
    product = _product_or_404(request.match_info["product_id"])
    granularity = request.query.get("granularity", "")
    if granularity not in GRANULARITY_S:
        raise BadRequest(f"invalid granularity: {granularity or '(missing)'}")
    step = GRANULARITY_S[granularity]
    now = time.time()
    end = _unix(request.query["end"], "end") if request.query.get("end") else now
    start = _unix(request.query["start"], "start") if request.query.get("start") else (
        end - step * 300)
    if start > end:
        raise BadRequest("start must be before end")
    first = int(start // step) * step
    count = int((min(end, now) - first) // step) + 1
    limit = qs_int(request, "limit", None, minimum=1)
    if count > MAX_CANDLES or (limit and limit > MAX_CANDLES):
        raise BadRequest(f"number of candles requested should be less than {MAX_CANDLES}")
    if limit:
        count = min(count, limit)
    rows = []
    seed = state.options.seed
    for index in range(max(count, 0)):
        bucket = first + index * step
        rows.append(_candle(product, bucket, step, seed))
    rows.reverse()  # newest first, as the real service returns them
    return json_response({"candles": rows})


def _candle(product, bucket: int, step: int, seed: int) -> dict:
    samples = [reference_price(product, bucket + step * k / 4, seed) for k in range(5)]
    noise = Decimal(1 + deterministic_fraction(seed, product.product_id, bucket) * 0.002)
    high = quantize(max(samples) * noise, product.quote_increment)
    low = quantize(min(samples) / noise, product.quote_increment)
    volume = Decimal(deterministic_fraction("v", seed, product.product_id, bucket) * 50000) / (
        samples[0] or 1) * step / 60
    return {
        "start": str(bucket), "low": fmt(low), "high": fmt(high), "open": fmt(samples[0]),
        "close": fmt(samples[-1]), "volume": fmt(quantize(volume, product.base_increment)),
    }


def _pricebook(state, product, limit: int | None) -> dict:
    book = state.market.books[product.product_id]
    return {
        "product_id": product.product_id,
        "bids": [{"price": fmt(p), "size": fmt(s)} for p, s in book.sorted_bids(limit)],
        "asks": [{"price": fmt(p), "size": fmt(s)} for p, s in book.sorted_asks(limit)],
        "time": ts(time.time()),
    }


async def product_book(request: web.Request) -> web.Response:
    state = request.app[STATE]
    product_id = request.query.get("product_id")
    if not product_id:
        raise BadRequest("product_id is required")
    product = _product_or_404(product_id)
    limit = qs_int(request, "limit", None, minimum=1)
    book = state.market.books[product.product_id]
    bid, ask = book.best_bid()[0], book.best_ask()[0]
    mid = (bid + ask) / 2
    return json_response({
        "pricebook": _pricebook(state, product, limit),
        "last": fmt(state.market.price(product.product_id)),
        "mid_market": fmt(quantize(mid, product.quote_increment / 10)),
        "spread_bps": fmt(((ask - bid) / mid * 10000).quantize(Decimal("0.0001"))),
        "spread_absolute": fmt(ask - bid),
    })


async def best_bid_ask(request: web.Request) -> web.Response:
    state = request.app[STATE]
    wanted = qs_list(request, "product_ids") or [p.product_id for p in PRODUCTS]
    books = []
    for product_id in wanted:
        product = PRODUCTS_BY_ID.get(product_id)
        if product is None:
            return error("NOT_FOUND", NOT_FOUND_PRODUCT, 404)
        books.append(_pricebook(state, product, 1))
    return json_response({"pricebooks": books})


def register(app: web.Application, prefix: str) -> None:
    routes = [
        ("/products", list_products),
        ("/products/{product_id}", get_product),
        ("/products/{product_id}/ticker", market_trades),
        ("/products/{product_id}/candles", candles),
        ("/product_book", product_book),
    ]
    for path, handler in routes:
        app.router.add_get(f"{prefix}{path}", private("view")(_twin(handler)))
        app.router.add_get(f"{prefix}/market{path}", public(_twin(handler)))
    app.router.add_get(f"{prefix}/best_bid_ask", private("view")(best_bid_ask))


def _twin(handler):
    """A distinct function object per route, so private and public marks don't collide."""

    async def route(request: web.Request) -> web.Response:
        return await handler(request)

    route.__name__ = handler.__name__
    return route
