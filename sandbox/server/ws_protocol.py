"""The WebSocket protocol shared by `/ws/market` (all channels) and `/ws/user` (heartbeats,
user, futures_balance_summary).

Protocol: JSON text messages `{"type":"subscribe"|"unsubscribe","product_ids":[...],
"channel":"...","jwt":"..."?}`, one channel per message; each subscribe/unsubscribe is
acknowledged with the full subscription set on channel `subscriptions`, then a snapshot.

[U] choices, where the real service is undocumented:
- Error texts other than "authentication failure": "Failed to subscribe" (unknown channel or
  product, wrong endpoint), "malformed message" (not JSON / not an object / bad type),
  "rate limit exceeded" (unauthenticated messages over 8/s per IP; then closed with 1008).
- A connection with no subscription 5 s after opening is closed with code 1000.
- Over the per-IP connection rate the handshake is refused with HTTP 429.
- An unknown channel name without a JWT answers "authentication failure", as seen with
  "heartbeat" in coinbase-advanced-py#92.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import WSMsgType, web

from sandbox.server import auth
from sandbox.server.responses import RATE_LIMITED, dumps, json_response
from sandbox.server.routing import STATE
from sandbox.server.ws_hub import Connection

log = logging.getLogger("sandbox")
CHANNELS = {"heartbeats", "candles", "market_trades", "status", "ticker", "ticker_batch",
            "level2", "user", "futures_balance_summary"}
USER_ENDPOINT_CHANNELS = {"heartbeats", "user", "futures_balance_summary"}
AUTH_CHANNELS = {"user", "futures_balance_summary"}
PRODUCT_CHANNELS = {"candles", "market_trades", "ticker", "ticker_batch", "level2"}
AUTH_FAILURE = dumps({"type": "error", "message": "authentication failure"})
SUBSCRIBE_FAILURE = dumps({"type": "error", "message": "Failed to subscribe"})
MALFORMED = dumps({"type": "error", "message": "malformed message"})
RATE_EXCEEDED = dumps({"type": "error", "message": "rate limit exceeded"})
# channel -> snapshot builder(conn, product_ids); filled by ws_market and ws_user.
SNAPSHOTS: dict = {}


async def serve_socket(request: web.Request, endpoint: str) -> web.StreamResponse:
    state = request.app[STATE]
    verdict = state.ws_connection_limiter.hit(f"ip:{request.remote}")
    if not verdict.allowed:
        response = json_response(RATE_LIMITED, 429)
        response.headers.update(verdict.headers())
        return response
    ws = web.WebSocketResponse(compress=False, max_msg_size=1 << 20, autoping=True)
    ws.headers["x-request-id"] = request.get("request_id", "")
    await ws.prepare(request)
    state.counters["ws_connections"] += 1
    log.info("ws open %s ip=%s request_id=%s x-cb-retry-counter=%s", request.path,
             request.remote, request.get("request_id", "-"),
             request.headers.get("x-cb-retry-counter", "-"))
    conn = Connection(ws, state, request, endpoint)
    hub = state.hub
    hub.connections.add(conn)
    loop = asyncio.get_running_loop()
    writer = loop.create_task(conn.writer())
    deadline = loop.create_task(_deadline(conn, state.options.subscribe_deadline_s))
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                handle_message(conn, message.data)
            elif message.type == WSMsgType.BINARY:
                conn.push(None, MALFORMED)
            if conn.closing or writer.done():
                break
    finally:
        hub.drop(conn)
        deadline.cancel()
        if conn.closing and not writer.done():
            # Let the queued error and close frame go out first.
            await asyncio.wait({writer}, timeout=2)
        writer.cancel()
        log.info("ws close %s ip=%s sent=%s key=%s", request.path, request.remote, conn.sent,
                 conn.key.name if conn.key else "-")
    return ws


async def _deadline(conn: Connection, seconds: float) -> None:
    await asyncio.sleep(seconds)
    if not conn.ever_subscribed:
        log.info("ws subscribe deadline passed ip=%s; closing", conn.remote)
        conn.push("__close__", "1000:no subscription within the deadline")


def handle_message(conn: Connection, text: str) -> None:
    state = conn.state
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    token = data.get("jwt") if isinstance(data, dict) else None
    if not token and not state.ws_message_limiter.hit(f"ip:{conn.remote}").allowed:
        conn.push(None, RATE_EXCEEDED)
        conn.push("__close__", "1008:rate limit exceeded")
        conn.closing = True
        return
    if not isinstance(data, dict) or data.get("type") not in ("subscribe", "unsubscribe"):
        conn.push(None, MALFORMED)
        return
    channel = data.get("channel")
    product_ids = data.get("product_ids") or []
    if not isinstance(channel, str):
        conn.push(None, MALFORMED)
        return
    if not isinstance(product_ids, list) or not all(isinstance(p, str) for p in product_ids):
        conn.push(None, MALFORMED)
        return
    if token:
        if not _authenticate(conn, token):
            conn.push(None, AUTH_FAILURE)
            return
    elif channel in AUTH_CHANNELS or channel not in CHANNELS:
        conn.push(None, AUTH_FAILURE)
        return
    if channel not in CHANNELS or (conn.endpoint == "user"
                                   and channel not in USER_ENDPOINT_CHANNELS):
        conn.push(None, SUBSCRIBE_FAILURE)
        return
    market = state.market
    if any(p not in market.prices for p in product_ids) or (
            channel in PRODUCT_CHANNELS and not product_ids and data["type"] == "subscribe"):
        conn.push(None, SUBSCRIBE_FAILURE)
        return
    if data["type"] == "subscribe":
        state.hub.add(conn, channel, product_ids)
        conn.ever_subscribed = True
        _acknowledge(conn)
        _snapshot(conn, channel, product_ids)
    else:
        state.hub.remove(conn, channel, product_ids)
        _acknowledge(conn)


def _authenticate(conn: Connection, token: str) -> bool:
    state = conn.state
    faults = state.faults.effective(auth.peek_kid(token))
    try:
        info = auth.verify_token(token, keys=state.world.keys,
                                 now=state.clock(faults.clock_offset_s), expected_uri=None)
        auth.check_access(info.key, revoked=faults.revoked, remote_ip=conn.remote,
                          ip_not_allowlisted=faults.ip_not_allowlisted)
    except auth.AuthError as exc:
        log.info("ws auth failure ip=%s kid=%s reason=%r", conn.remote, exc.key_name or "-",
                 exc.reason)
        state.counters["ws_auth_failures"] += 1
        return False
    conn.key = info.key
    conn.refresh_faults()
    return True


def _acknowledge(conn: Connection) -> None:
    current = {channel: sorted(products) for channel, products in sorted(conn.subs.items())}
    conn.push_events("subscriptions", [{"subscriptions": current}])


def _snapshot(conn: Connection, channel: str, product_ids: list[str]) -> None:
    builder = SNAPSHOTS.get(channel)
    if builder is not None:
        builder(conn, product_ids)
