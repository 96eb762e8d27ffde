"""Sandbox throughput and latency on this machine (not a timed test).

- level2: one WebSocket client subscribed to `level2` receives and parses `l2_data` messages;
  messages per second over a fixed window, with sequence numbers checked for gaps.
- REST: median and p95 round trip on loopback for a private call (`/key_permissions`, JWT
  verified per request), a paginated private call (`/accounts`) and a public one (`/time`),
  over one keep-alive connection.

Run alone with `python bench/sandbox_bench.py` (prints JSON) or through `make bench`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

L2_GOAL = 5000  # messages per second, one client
REST_GOAL_MS = 5.0  # median, loopback
L2_WINDOW_S = 5.0
L2_RATE = 12000  # level2 messages per second per product the sandbox is asked to produce
REST_SAMPLES = 400


def measure_level2(server) -> dict:
    from websockets.sync.client import connect

    count, gaps, last_seq = 0, 0, None
    with connect(server.ws_market_url, max_size=10 * 2**20, compression=None) as ws:
        ws.send(json.dumps({"type": "subscribe", "channel": "level2",
                            "product_ids": ["BTC-USD", "ETH-USD"]}))
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # warm-up: ack and snapshots
            ws.recv(timeout=2)
        started = time.perf_counter()
        end = started + L2_WINDOW_S
        while time.perf_counter() < end:
            message = json.loads(ws.recv(timeout=2))
            seq = message["sequence_num"]
            if last_seq is not None and seq != last_seq + 1:
                gaps += 1
            last_seq = seq
            if message["channel"] == "l2_data":
                count += 1
        elapsed = time.perf_counter() - started
    return {"messages": count, "seconds": round(elapsed, 3),
            "messages_per_second": round(count / elapsed), "sequence_gaps": gaps}


def measure_rest(server) -> dict:
    import requests

    from sandbox.client import REST_PREFIX, build_jwt

    key = server.control.create_key(permissions=["view"])
    session = requests.Session()
    results = {}
    for name, path, private in (("key_permissions", "/key_permissions", True),
                                ("accounts", "/accounts", True),
                                ("time", "/time", False)):
        url = f"{server.base_url}{REST_PREFIX}{path}"
        headers = {}
        if private:
            token = build_jwt(key["key_name"], key["private_key"],
                              f"GET {server.host}{REST_PREFIX}{path}")
            headers["Authorization"] = f"Bearer {token}"
        for _ in range(20):
            session.get(url, json={}, headers=headers, timeout=5)
        samples = []
        for _ in range(REST_SAMPLES):
            started = time.perf_counter()
            response = session.get(url, json={}, headers=headers, timeout=5)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text}")
        samples.sort()
        results[name] = {"median_ms": round(statistics.median(samples), 3),
                         "p95_ms": round(samples[int(len(samples) * 0.95)], 3)}
    return results


def measure() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    from sandbox.launcher import start_sandbox

    with tempfile.TemporaryDirectory() as folder:
        server = start_sandbox(
            Path(folder), "--l2-rate", str(L2_RATE), "--private-rate-limit", "1000000",
            "--public-rate-limit", "1000000", "--ws-unauth-msgs-per-second", "1000",
        )
        try:
            rest = measure_rest(server)
            level2 = measure_level2(server)
            level2["slow_consumer_closed"] = "slow consumer" in server.log()
        finally:
            server.stop()
    return {"cpus": os.cpu_count(), "level2_one_client": level2, "rest_loopback": rest}


def run():
    """Figures for `make bench`; baselines from the same run: the offered level2 rate, and
    the public `/time` call (no JWT) for the private calls."""
    from bench.report import Figure

    data = measure()
    l2 = data["level2_one_client"]["messages_per_second"]
    offered = L2_RATE * 2
    figures = [Figure("sandbox level2 messages/s, one client", l2, "msg/s",
                      baseline_name="offered by the sandbox", baseline=offered,
                      ratio=round(l2 / offered, 3), goal=f"≥ {L2_GOAL:,}", met=l2 >= L2_GOAL,
                      note=f"{data['level2_one_client']['sequence_gaps']} sequence gaps")]
    rest = data["rest_loopback"]
    for name, row in rest.items():
        baseline = rest["time"]["median_ms"] if name != "time" else None
        figures.append(Figure(
            f"sandbox REST {name} median", row["median_ms"], "ms",
            baseline_name="public /time" if baseline else "", baseline=baseline,
            ratio=round(row["median_ms"] / baseline, 2) if baseline else None,
            goal=f"≤ {REST_GOAL_MS} ms", met=row["median_ms"] <= REST_GOAL_MS,
            note=f"p95 {row['p95_ms']} ms"))
    return figures


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
