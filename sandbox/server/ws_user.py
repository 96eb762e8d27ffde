"""`/ws/user`: the `user` channel (snapshot of the key's open orders, then an update whenever
one of its portfolio's orders is created, filled or cancelled over REST) and a plausible static
`futures_balance_summary`. Both need a valid JWT in the subscribe message."""

from __future__ import annotations

from aiohttp import web

from sandbox.server import ws_payloads as payloads
from sandbox.server.ws_hub import Connection
from sandbox.server.ws_protocol import SNAPSHOTS, serve_socket

SNAPSHOT_BATCH = 50  # [U] orders per snapshot message


def user(conn: Connection, product_ids: list[str]) -> None:
    state = conn.state
    wanted = set(product_ids)
    orders = sorted((o for o in state.world.orders.values()
                     if o.portfolio_uuid == conn.key.portfolio_uuid and o.status == "OPEN"
                     and (not wanted or o.product_id in wanted)),
                    key=lambda o: o.created_time, reverse=True)
    batches = [orders[i:i + SNAPSHOT_BATCH] for i in range(0, len(orders), SNAPSHOT_BATCH)]
    for batch in batches or [[]]:
        conn.push_events("user", [{"type": "snapshot",
                                   "orders": [payloads.user_order(o) for o in batch],
                                   "positions": payloads.empty_positions()}])


def futures_balance_summary(conn: Connection, product_ids: list[str]) -> None:
    conn.push_events("futures_balance_summary", [{
        "type": "snapshot", "fcm_balance_summary": payloads.futures_balance_summary()}])


SNAPSHOTS.update({"user": user, "futures_balance_summary": futures_balance_summary})


async def user_socket(request: web.Request) -> web.StreamResponse:
    return await serve_socket(request, "user")


def register(app: web.Application, *args) -> None:
    app.router.add_get("/ws/user", user_socket)
