"""WebSocket plumbing: one `Connection` per socket (ordered writer, sequence numbers, faults)
and the `Hub` that knows who is subscribed to what and runs the market feed.

Every outgoing message goes through the connection's queue, so `sequence_num` is strictly
per connection and increases by one (unless the sequence-gap fault is on).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict

from aiohttp import web

from sandbox import trading
from sandbox.server import ws_payloads as payloads
from sandbox.server.responses import dumps
from sandbox.world import ts

log = logging.getLogger("sandbox")
QUEUE_LIMIT = 50_000
FEED_TICK_S = 0.02
DROP_PAUSE_S = 0.3


class Connection:
    def __init__(self, ws: web.WebSocketResponse, state, request: web.Request, endpoint: str):
        self.ws = ws
        self.state = state
        self.request = request
        self.endpoint = endpoint
        self.remote = request.remote or ""
        self.key = None
        self.subs: dict[str, set[str]] = {}
        self.seq = 0
        self.sent = 0
        self.heartbeat_counter = 0
        self.started = time.monotonic()
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self.closed = False  # no more messages will be queued
        self.closing = False  # a close frame is queued; stop reading
        self.ever_subscribed = False
        self._faults = state.faults.effective(None)
        self._faults_at = 0.0

    @property
    def faults(self):
        now = time.monotonic()
        if now - self._faults_at > 0.2:
            self._faults = self.state.faults.effective(self.key.name if self.key else None)
            self._faults_at = now
        return self._faults

    def refresh_faults(self) -> None:
        self._faults_at = 0.0

    def push(self, channel: str | None, payload: str) -> None:
        """Queue one message: `channel` + JSON text of `events`, or a raw text (channel None)."""
        if self.closed:
            return
        try:
            self.queue.put_nowait((channel, payload))
        except asyncio.QueueFull:
            log.warning("ws slow consumer ip=%s; closing", self.remote)
            self.closed = self.closing = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(("__close__", "1011:slow consumer"))

    def push_events(self, channel: str, events: list[dict]) -> None:
        self.push(channel, dumps(events))

    async def writer(self) -> None:
        ws = self.ws
        while True:
            channel, payload = await self.queue.get()
            batch = [(channel, payload)]
            while not self.queue.empty() and len(batch) < 512:
                batch.append(self.queue.get_nowait())
            faults = self.faults
            stamp = ts(time.time())
            for channel, payload in batch:
                if channel == "__close__":
                    code, _, reason = payload.partition(":")
                    self.closed = True
                    await ws.close(code=int(code), message=reason.encode())
                    return
                if channel is None:
                    text = payload
                else:
                    if faults.ws_sequence_gap and self.sent % 5 == 4:
                        self.seq += 3
                    text = ('{"channel":"' + channel + '","client_id":"","timestamp":"' + stamp
                            + '","sequence_num":' + str(self.seq) + ',"events":' + payload + "}")
                    self.seq += 1
                await ws.send_str(text)
                self.sent += 1
                if faults.ws_drop_after and self.sent >= faults.ws_drop_after:
                    # Nothing more is sent; a moment later the TCP link is cut without a
                    # close frame, so a client blocked in recv() sees an abnormal closure.
                    self.closed = True
                    await asyncio.sleep(DROP_PAUSE_S)
                    log.info("ws drop fault after %s messages ip=%s key=%s", self.sent, self.remote,
                             self.key.name if self.key else "-")
                    transport = self.request.transport
                    if transport is not None:
                        transport.abort()
                    return


class Hub:
    """Subscriptions by channel and product, and the feed loop that serves them."""

    def __init__(self, state):
        self.state = state
        self.connections: set[Connection] = set()
        self.subs: dict[str, dict[str, set[Connection]]] = defaultdict(lambda: defaultdict(set))
        self._task: asyncio.Task | None = None

    # -- subscription registry ---------------------------------------------------------------
    def add(self, conn: Connection, channel: str, product_ids: list[str]) -> None:
        conn.subs.setdefault(channel, set()).update(product_ids)
        self.subs[channel][""].add(conn)  # "" = on the channel at all
        for product_id in product_ids:
            self.subs[channel][product_id].add(conn)

    def remove(self, conn: Connection, channel: str, product_ids: list[str]) -> None:
        current = conn.subs.get(channel, set())
        dropping = set(product_ids) if product_ids else set(current) | {""}
        for product_id in dropping:
            self.subs[channel][product_id].discard(conn)
        current -= dropping
        if not current:
            conn.subs.pop(channel, None)
            self.subs[channel][""].discard(conn)

    def drop(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for channel in list(conn.subs):
            self.remove(conn, channel, [])

    # -- events ------------------------------------------------------------------------------
    def order_changed(self, order) -> None:
        for conn in list(self.subs["user"][""]):
            wanted = conn.subs.get("user") or set()
            if (conn.key is not None and conn.key.portfolio_uuid == order.portfolio_uuid
                    and (not wanted or order.product_id in wanted)):
                conn.push_events("user", [{"type": "update",
                                           "orders": [payloads.user_order(order)],
                                           "positions": payloads.empty_positions()}])

    # -- the feed ----------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()

    async def _run(self) -> None:
        next_second = time.monotonic() + 1
        next_batch = time.monotonic() + 5
        credit: dict[str, float] = defaultdict(float)
        last = time.monotonic()
        while True:
            await asyncio.sleep(FEED_TICK_S)
            now = time.monotonic()
            elapsed, last = now - last, now
            try:
                self._churn_level2(credit, elapsed)
                if now >= next_second:
                    next_second += 1
                    self._second()
                if now >= next_batch:
                    next_batch += 5
                    self._ticker_batch()
            except Exception:
                log.exception("sandbox feed error")

    def _churn_level2(self, credit: dict[str, float], elapsed: float) -> None:
        market = self.state.market
        rate = self.state.options.l2_rate
        stamp = ts(time.time())
        for product_id, conns in self.subs["level2"].items():
            if not conns or not product_id:
                continue
            credit[product_id] += rate * elapsed
            count = int(credit[product_id])
            credit[product_id] -= count
            for _ in range(count):
                text = dumps([payloads.l2_update(product_id, market.churn(product_id), stamp)])
                for conn in conns:
                    conn.push("l2_data", text)

    def _second(self) -> None:
        state = self.state
        market = state.market
        diffs = market.step()
        for order in trading.sweep(state.world, market):
            state.publish_order(order)
        stamp = ts(time.time())
        for product_id, conns in self.subs["level2"].items():
            if conns and product_id and diffs.get(product_id):
                text = dumps([payloads.l2_update(product_id, diffs[product_id], stamp)])
                for conn in conns:
                    conn.push("l2_data", text)
        for product_id, conns in self.subs["ticker"].items():
            if conns and product_id:
                text = dumps([{"type": "update", "tickers": [payloads.ticker(market, product_id)]}])
                for conn in conns:
                    conn.push("ticker", text)
        for product_id, conns in self.subs["market_trades"].items():
            if conns and product_id:
                text = dumps([{"type": "update", "trades": payloads.trades(market, product_id, 1)}])
                for conn in conns:
                    conn.push("market_trades", text)
        for product_id, conns in self.subs["candles"].items():
            if conns and product_id:
                text = dumps([{"type": "update", "candles": [
                    payloads.candle(market, product_id, state.options.seed)]}])
                for conn in conns:
                    conn.push("candles", text)
        for conn in list(self.subs["heartbeats"][""]):
            if conn.faults.ws_heartbeat_stall:
                continue
            conn.heartbeat_counter += 1
            conn.push_events("heartbeats", [payloads.heartbeat(conn.heartbeat_counter,
                                                               conn.started)])

    def _ticker_batch(self) -> None:
        market = self.state.market
        for conn in list(self.connections):
            products = sorted(conn.subs.get("ticker_batch", set()))
            if products:
                conn.push_events("ticker_batch", [{"type": "update", "tickers": [
                    payloads.ticker(market, p) for p in products]}])
