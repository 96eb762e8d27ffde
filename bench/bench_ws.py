"""(4) level2 throughput through the ws.market reading code vs a bare receive loop.

One connection, opened by the product's own `open_websocket` and subscribed to level2
(two products) and heartbeats on a private sandbox producing far more than one client
can take. Phases alternate on that same connection:

- bare: `connection.recv()` in a loop, nothing else;
- ws.market: `Stream.read_until()` — the loop the check runs: JSON parse, sequence-gap and
  late/duplicate detection, heartbeat continuity, per-channel counts, the bounded frame log.

Messages per second and process CPU seconds per 10,000 messages for each; the figure is
the median over rounds of each parsed phase's rate against the bare phase just before it
(goal ≥ 0.8×). The sandbox is asked for 2 × 15,000 messages a second, about what it can
produce; a client that falls behind is closed as a slow consumer, as the real API does, so
the bare loop's rate is close to what is offered. On a machine too busy for that, the
measurement is repeated with a lower offer (stated in the note).
"""

from __future__ import annotations

import json
import time

from bench.env import median, start_sandbox
from bench.report import Figure

PHASE_S = 1.5
ROUNDS = 4
GOAL = 0.8
RATES = [15000, 10000, 6000]  # per product per second asked of the sandbox, tried in order


def _bare(conn, seconds: float) -> tuple[int, float, float]:
    count = 0
    cpu, started = time.process_time(), time.perf_counter()
    end = started + seconds
    while time.perf_counter() < end:
        try:
            conn.recv(timeout=0.25)
        except TimeoutError:
            continue
        count += 1
    return count, time.perf_counter() - started, time.process_time() - cpu


def _parsed(stream, seconds: float) -> tuple[int, float, float]:
    before = stream.messages
    stream.last_seq = None  # the bare phase consumed messages: gaps count within a phase
    cpu, started = time.process_time(), time.perf_counter()
    stream.read_until(time.monotonic() + seconds)
    return stream.messages - before, time.perf_counter() - started, time.process_time() - cpu


class SlowConsumer(Exception):
    """The sandbox dropped the connection: the client fell behind the offered rate."""


def _measure(rate: int):
    from websockets.exceptions import ConnectionClosed

    from diagnostics.checks.ws_checks import Stream
    from diagnostics.net.ws import FrameLog, open_websocket

    server = start_sandbox("--l2-rate", str(rate))
    try:
        opened = open_websocket(server.ws_market_url, deadline=time.monotonic() + 5)
        if opened.connection is None:
            raise RuntimeError(f"could not connect: {opened.error}")
        stream = Stream(opened, FrameLog())
        for channel, products in (("heartbeats", []), ("level2", ["BTC-USD", "ETH-USD"])):
            stream.send({"type": "subscribe", "channel": channel, "product_ids": products})
        stream.read_until(time.monotonic() + 1.0)  # acknowledgement and snapshots
        bare, parsed, gaps = [], [], 0
        try:
            for _ in range(ROUNDS):
                bare.append(_bare(opened.connection, PHASE_S))
                gaps_before = len(stream.gaps)
                parsed.append(_parsed(stream, PHASE_S))
                gaps += len(stream.gaps) - gaps_before
        except ConnectionClosed as exc:
            raise SlowConsumer(str(exc)) from None
        if stream.close is not None:
            raise SlowConsumer(str(stream.close))
        opened.connection.close()
    finally:
        server.stop()
    return stream, bare, parsed, gaps


def run() -> list[Figure]:
    for rate in RATES:  # a busy machine may not keep up with the highest offer
        try:
            stream, bare, parsed, gaps = _measure(rate)
            break
        except SlowConsumer as exc:
            print(f"   {2 * rate:,}/s offered: dropped as a slow consumer ({exc}); lower offer")
    else:
        raise RuntimeError("dropped as a slow consumer at every offered rate")
    bare_rate = median([n / s for n, s, _ in bare])
    parsed_rate = median([n / s for n, s, _ in parsed])
    # each parsed phase against the bare phase just before it: noise hits both alike
    ratio = median([(p[0] / p[1]) / (b[0] / b[1]) for b, p in zip(bare, parsed, strict=True)])
    bare_cpu = sum(c for *_, c in bare) / sum(n for n, *_ in bare) * 10_000
    parsed_cpu = sum(c for *_, c in parsed) / sum(n for n, *_ in parsed) * 10_000
    by_channel = json.dumps(stream.by_channel)
    return [
        Figure("ws.market level2 messages/s (parse + sequence-gap checks)", parsed_rate, "msg/s",
               "bare recv loop, same connection", bare_rate, ratio, f"≥ {GOAL}×", ratio >= GOAL,
               note=f"parsing every frame costs {parsed_cpu / bare_cpu - 1:.0%} more CPU per "
               f"message; the bare loop gets about what the sandbox offers ({2 * rate:,}/s); "
               f"{gaps} sequence gaps; by channel {by_channel}"),
        Figure("ws.market CPU per 10,000 messages", parsed_cpu, "CPU s",
               "bare recv loop", bare_cpu, parsed_cpu / bare_cpu, "", None,
               note="process CPU (includes the websockets reader thread)"),
    ]
