"""`/ws/market`: snapshots of the market channels (level2 as `l2_data`, ticker, ticker_batch,
market_trades, candles, status); updates come from the hub's feed."""

from __future__ import annotations

from aiohttp import web

from sandbox.server import ws_payloads as payloads
from sandbox.server.ws_hub import Connection
from sandbox.server.ws_protocol import SNAPSHOTS, serve_socket


def level2(conn: Connection, product_ids: list[str]) -> None:
    for product_id in product_ids:
        conn.push_events("l2_data", [payloads.l2_snapshot(conn.state.market, product_id)])


def tickers(channel: str):
    def build(conn: Connection, product_ids: list[str]) -> None:
        market = conn.state.market
        conn.push_events(channel, [{"type": "snapshot", "tickers": [
            payloads.ticker(market, p) for p in product_ids]}])

    return build


def market_trades(conn: Connection, product_ids: list[str]) -> None:
    trades = [t for p in product_ids for t in payloads.trades(conn.state.market, p, 50)]
    conn.push_events("market_trades", [{"type": "snapshot", "trades": trades}])


def candles(conn: Connection, product_ids: list[str]) -> None:
    state = conn.state
    conn.push_events("candles", [{"type": "snapshot", "candles": [
        payloads.candle(state.market, p, state.options.seed) for p in product_ids]}])


def status(conn: Connection, product_ids: list[str]) -> None:
    conn.push_events("status", [{"type": "snapshot",
                                 "products": payloads.status_products(product_ids)}])


SNAPSHOTS.update({
    "level2": level2, "ticker": tickers("ticker"), "ticker_batch": tickers("ticker_batch"),
    "market_trades": market_trades, "candles": candles, "status": status,
})


async def market_socket(request: web.Request) -> web.StreamResponse:
    return await serve_socket(request, "market")


def register(app: web.Application, *args) -> None:
    app.router.add_get("/ws/market", market_socket)
