"""Every fault scenario, observed from the client side; per key unless the test says global."""

from __future__ import annotations

import json
import queue
import time
from datetime import datetime

import pytest
import requests
from coinbase.websocket import WSClient
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

from sandbox.client import SandboxError, build_jwt
from tests.fixtures.sandbox import start_sandbox

pytestmark = pytest.mark.sandbox


@pytest.fixture
def pair(sandbox):
    """Two fresh keys: `faulty` gets the fault, `bystander` must not notice it."""
    control = sandbox.control
    return (control.create_key(permissions=["view", "trade"]),
            control.create_key(permissions=["view", "trade"]))


def status(sandbox, key, path="/key_permissions"):
    return sandbox.control.rest(key, "GET", path).status_code


def subscribe(ws, key, channel, product_ids=()):
    ws.send(json.dumps({"type": "subscribe", "channel": channel, "product_ids": list(product_ids),
                        "jwt": build_jwt(key["key_name"], key["private_key"])}))


def test_clock_offset_per_key_and_global(sandbox, pair):
    faulty, bystander = pair
    sandbox.control.set_faults(key_name=faulty["key_name"], clock_offset_s=-300)
    assert status(sandbox, faulty) == 401 and status(sandbox, bystander) == 200
    assert "not valid yet" in sandbox.log()
    sandbox.control.clear_faults(key_name=faulty["key_name"])
    assert status(sandbox, faulty) == 200

    sandbox.control.set_faults(clock_offset_s=90)
    server = requests.get(f"{sandbox.base_url}/api/v3/brokerage/time", json={}, timeout=5).json()
    assert 85 <= int(server["epochSeconds"]) - time.time() <= 95


def test_latency(sandbox, pair):
    faulty, bystander = pair
    sandbox.control.set_faults(key_name=faulty["key_name"], latency_ms=400)
    started = time.perf_counter()
    assert status(sandbox, faulty) == 200
    slow = time.perf_counter() - started
    started = time.perf_counter()
    assert status(sandbox, bystander) == 200
    fast = time.perf_counter() - started
    assert slow >= 0.4 and fast < 0.35


def test_global_latency_slows_every_key(sandbox, pair):
    sandbox.control.set_faults(latency_ms=250)
    for key in pair:
        started = time.perf_counter()
        assert status(sandbox, key) == 200
        assert time.perf_counter() - started >= 0.25


def test_rate_limit_storm(sandbox, sdk, pair):
    faulty, bystander = pair
    sandbox.control.set_faults(key_name=faulty["key_name"], rate_limit_storm=True)
    response = sandbox.control.rest(faulty, "GET", "/accounts")
    assert response.status_code == 429 and response.json()["error"] == "RATE_LIMIT_EXCEEDED"
    assert response.headers["x-ratelimit-remaining"] == "0"
    with pytest.raises(requests.HTTPError, match="429 Client Error"):
        sdk(faulty).get_accounts()
    assert status(sandbox, bystander) == 200


def test_server_error_burst(sandbox, sdk, pair):
    faulty, bystander = pair
    sandbox.control.set_faults(key_name=faulty["key_name"], server_error_burst=2)
    with pytest.raises(requests.HTTPError, match="500 Server Error"):
        sdk(faulty).get_accounts()
    assert status(sandbox, bystander) == 200
    assert status(sandbox, faulty) == 500
    assert status(sandbox, faulty) == 200  # the burst is spent


def test_revoked_key_rest_and_websocket(sandbox, pair):
    faulty, bystander = pair
    sandbox.control.set_faults(revoked_keys=[faulty["key_name"]])
    response = sandbox.control.rest(faulty, "GET", "/accounts")
    assert response.status_code == 401 and response.text == "Unauthorized"
    assert status(sandbox, bystander) == 200
    with connect(sandbox.ws_user_url) as ws:
        subscribe(ws, faulty, "user")
        assert json.loads(ws.recv(timeout=3)) == {"type": "error",
                                                   "message": "authentication failure"}


def test_ip_not_allowlisted(sandbox, pair):
    faulty, bystander = pair
    sandbox.control.set_faults(key_name=faulty["key_name"], ip_not_allowlisted=True)
    response = sandbox.control.rest(faulty, "GET", "/accounts")
    assert response.status_code == 401 and response.text == "Unauthorized"
    assert status(sandbox, bystander) == 200
    request_id = response.headers["x-request-id"]
    line = next(line for line in sandbox.log().splitlines() if request_id in line)
    assert "not allowlisted" in line


def test_ws_drop_after_n_messages(sandbox, pair):
    faulty, bystander = pair
    sandbox.control.set_faults(key_name=faulty["key_name"], ws_drop_after=6)
    received = 0
    with connect(sandbox.ws_market_url) as ws:
        subscribe(ws, faulty, "level2", ["BTC-USD"])
        with pytest.raises(ConnectionClosedError) as closed:
            while True:
                ws.recv(timeout=5)
                received += 1
    assert received == 6 and closed.value.rcvd is None  # dropped, no close frame
    with connect(sandbox.ws_market_url) as ws:
        subscribe(ws, bystander, "level2", ["BTC-USD"])
        for _ in range(10):
            ws.recv(timeout=5)


def test_ws_drop_makes_the_sdk_reconnect(sandbox, pair):
    faulty, _ = pair
    sandbox.control.set_faults(key_name=faulty["key_name"], ws_drop_after=4)
    inbox: queue.Queue = queue.Queue()
    client = WSClient(api_key=faulty["key_name"], api_secret=faulty["private_key"],
                      base_url=sandbox.ws_market_url, on_message=inbox.put, retry=True)
    client.open()
    try:
        client.level2(product_ids=["ETH-USD"])
        deadline = time.monotonic() + 5
        dropped = f"ws drop fault after 4 messages ip=127.0.0.1 key={faulty['key_name']}"
        while dropped not in sandbox.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        sandbox.control.clear_faults(key_name=faulty["key_name"])
        deadline = time.monotonic() + 8
        while "x-cb-retry-counter=1" not in sandbox.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "x-cb-retry-counter=1" in sandbox.log()
        snapshots = 0
        while snapshots < 2:  # a fresh snapshot after the automatic resubscribe
            message = json.loads(inbox.get(timeout=5))
            if message["channel"] == "l2_data" and message["events"][0]["type"] == "snapshot":
                snapshots += 1
    finally:
        client.close()


def test_ws_sequence_gap(sandbox, pair):
    faulty, _ = pair
    sandbox.control.set_faults(key_name=faulty["key_name"], ws_sequence_gap=True)
    with connect(sandbox.ws_market_url) as ws:
        subscribe(ws, faulty, "level2", ["BTC-USD"])
        numbers = [json.loads(ws.recv(timeout=5))["sequence_num"] for _ in range(12)]
    jumps = [b - a for a, b in zip(numbers, numbers[1:], strict=False)]
    assert max(jumps) > 1 and min(jumps) >= 1


def test_ws_heartbeat_stall(sandbox, pair):
    faulty, _ = pair
    with connect(sandbox.ws_market_url) as ws:
        subscribe(ws, faulty, "heartbeats")
        subscribe(ws, faulty, "ticker", ["BTC-USD"])
        sandbox.control.set_faults(key_name=faulty["key_name"], ws_heartbeat_stall=True)
        stalled_from = time.time() + 0.5  # the connection re-reads its faults within 0.2 s
        seen = []
        deadline = time.monotonic() + 2.6
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=3))
            sent_at = datetime.fromisoformat(message["timestamp"].replace("Z", "+00:00"))
            seen.append((message["channel"], sent_at.timestamp()))
        late = [channel for channel, sent_at in seen if sent_at > stalled_from]
        assert "heartbeats" not in late and late.count("ticker") >= 2
        sandbox.control.clear_faults(key_name=faulty["key_name"])
        deadline = time.monotonic() + 3
        resumed = False
        while time.monotonic() < deadline and not resumed:
            resumed = json.loads(ws.recv(timeout=3))["channel"] == "heartbeats"
        assert resumed


@pytest.mark.parametrize("control_off", [("--no-control",), ("--host", "0.0.0.0")])
def test_run_sandbox_fault_flags_and_control_off(tmp_path, control_off):
    """Faults switched on from the command line; the control API is off with --no-control
    and outside the default local mode (listening beyond loopback)."""
    server = start_sandbox(tmp_path, "--clock-offset", "120", "--server-error-burst", "1",
                           *control_off, settings_module="tests.settings")
    try:
        url = f"{server.base_url}/api/v3/brokerage/time"
        assert requests.get(url, json={}, timeout=5).status_code == 500
        epoch = int(requests.get(url, json={}, timeout=5).json()["epochSeconds"])
        assert 115 <= epoch - time.time() <= 125
        with pytest.raises(SandboxError) as refused:
            server.control.state()
        assert refused.value.status == 404
    finally:
        server.stop()


def test_reset_restores_the_seeded_world(tmp_path, sandbox_server):
    server = start_sandbox(tmp_path, settings_module="tests.settings")
    try:
        control = server.control
        demo = control.state()["demo_keys"]
        # Same seed, same demo world as the session's sandbox.
        assert [d["key_name"] for d in demo] == [
            d["key_name"] for d in sandbox_server.control.state()["demo_keys"]]
        key = control.create_key(permissions=["view"])
        control.set_faults(latency_ms=50)
        control.reset()
        state = control.state()
        assert key["key_name"] not in {k["key_name"] for k in state["keys"]}
        assert state["faults"]["global"] == {} and state["demo_keys"] == demo
        assert control.rest(key, "GET", "/key_permissions").status_code == 401
    finally:
        server.stop()
