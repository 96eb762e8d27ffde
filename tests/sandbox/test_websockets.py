"""Market and user WebSockets: the official SDK's WSClient and raw protocol checks."""

from __future__ import annotations

import json
import queue
import time
import uuid

import pytest
from coinbase.websocket import WSClient, WSUserClient
from coinbase.websocket.types.websocket_response import WebsocketResponse
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from sandbox.client import build_jwt

pytestmark = pytest.mark.sandbox


def collect(messages: queue.Queue, until, timeout: float = 6.0) -> list[dict]:
    """Drain parsed messages until `until(all_so_far)` holds (or fail after `timeout`)."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(json.loads(messages.get(timeout=0.2)))
        except queue.Empty:
            continue
        if until(seen):
            return seen
    raise AssertionError(f"condition not met; got {[m.get('channel') for m in seen][:40]}")


def test_sdk_wsclient_heartbeats_ticker_level2(sandbox):
    key = sandbox.control.create_key(permissions=["view"])
    inbox: queue.Queue = queue.Queue()
    client = WSClient(api_key=key["key_name"], api_secret=key["private_key"],
                      base_url=sandbox.ws_market_url, on_message=inbox.put, retry=False)
    client.open()
    try:
        client.heartbeats()
        client.ticker(product_ids=["BTC-USD"])
        client.level2(product_ids=["BTC-USD", "ETH-USD"])
        messages = collect(inbox, lambda seen: sum(
            m.get("channel") == "heartbeats" for m in seen) >= 3)
    finally:
        client.close()
    for message in messages:  # the SDK's own typed parser accepts every message
        WebsocketResponse(json.loads(json.dumps(message)))
    assert [m["sequence_num"] for m in messages] == list(range(len(messages)))
    beats = [m["events"][0]["heartbeat_counter"] for m in messages
             if m["channel"] == "heartbeats"]
    assert beats == list(range(beats[0], beats[0] + len(beats)))
    l2 = [m for m in messages if m["channel"] == "l2_data"]
    assert not any(m["channel"] == "level2" for m in messages)
    first_by_product = {}
    for message in l2:
        event = message["events"][0]
        first_by_product.setdefault(event["product_id"], event["type"])
        for update in event["updates"]:
            assert update["side"] in ("bid", "offer") and "new_quantity" in update
    assert first_by_product == {"BTC-USD": "snapshot", "ETH-USD": "snapshot"}
    assert any(m["events"][0]["type"] == "update" for m in l2)
    ticker = next(m for m in messages if m["channel"] == "ticker")
    assert ticker["events"][0]["tickers"][0]["product_id"] == "BTC-USD"
    acks = [m for m in messages if m["channel"] == "subscriptions"]
    assert acks[-1]["events"][0]["subscriptions"]["level2"] == ["BTC-USD", "ETH-USD"]
    assert all(m["client_id"] == "" for m in messages)


def test_sdk_user_channel_snapshot_then_update_after_rest_order(sandbox):
    control = sandbox.control
    key = control.create_key(permissions=["view", "trade"])
    resting = control.place_resting_limit_order(key)["success_response"]["order_id"]
    inbox: queue.Queue = queue.Queue()
    client = WSUserClient(api_key=key["key_name"], api_secret=key["private_key"],
                          base_url=sandbox.ws_user_url, on_message=inbox.put, retry=False)
    client.open()
    try:
        client.user(product_ids=["BTC-USD"])
        snapshot = collect(inbox, lambda seen: any(m["channel"] == "user" for m in seen))[-1]
        assert snapshot["events"][0]["type"] == "snapshot"
        assert [o["order_id"] for o in snapshot["events"][0]["orders"]] == [resting]
        placed = control.place_resting_limit_order(key)["success_response"]["order_id"]
        update = collect(inbox, lambda seen: any(
            m["channel"] == "user" and m["events"][0]["type"] == "update" for m in seen))[-1]
        order = update["events"][0]["orders"][0]
        assert order["order_id"] == placed and order["status"] == "OPEN"
        control.rest(key, "POST", "/orders/batch_cancel", body={"order_ids": [placed]})
        cancelled = collect(inbox, lambda seen: any(m["channel"] == "user" for m in seen))[-1]
        assert cancelled["events"][0]["orders"][0]["status"] == "CANCELLED"
        WebsocketResponse(cancelled)
    finally:
        client.close()


def recv_json(ws, timeout=3.0) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def test_user_channel_needs_a_valid_jwt_and_socket_stays_open(sandbox):
    key = sandbox.control.create_key(permissions=["view"])
    with connect(sandbox.ws_user_url) as ws:
        ws.send(json.dumps({"type": "subscribe", "channel": "user", "product_ids": []}))
        assert recv_json(ws) == {"type": "error", "message": "authentication failure"}
        wrong = build_jwt(key["key_name"], sandbox.control.create_key()["private_key"])
        ws.send(json.dumps({"type": "subscribe", "channel": "user", "product_ids": [],
                            "jwt": wrong}))
        assert recv_json(ws) == {"type": "error", "message": "authentication failure"}
        ws.send(json.dumps({"type": "subscribe", "channel": "level2",
                            "product_ids": ["BTC-USD"],
                            "jwt": build_jwt(key["key_name"], key["private_key"])}))
        assert recv_json(ws) == {"type": "error", "message": "Failed to subscribe"}
        ws.send(json.dumps({"type": "subscribe", "channel": "futures_balance_summary",
                            "product_ids": [],
                            "jwt": build_jwt(key["key_name"], key["private_key"])}))
        assert recv_json(ws)["channel"] == "subscriptions"
        summary = recv_json(ws)
        assert summary["channel"] == "futures_balance_summary"
        WebsocketResponse(summary)


def test_market_errors_unsubscribe_and_other_channels(sandbox):
    key = sandbox.control.create_key(permissions=["view"])
    time.sleep(1.02 - time.time() % 1)  # unauthenticated messages count per IP per second
    with connect(sandbox.ws_market_url) as ws:
        ws.send(json.dumps({"type": "subscribe", "channel": "heartbeat", "product_ids": []}))
        assert recv_json(ws)["message"] == "authentication failure"  # as in SDK issue #92
        ws.send(json.dumps({"type": "subscribe", "channel": "ticker", "product_ids": ["NOPE"]}))
        assert recv_json(ws)["message"] == "Failed to subscribe"
        ws.send("not json")
        assert recv_json(ws)["type"] == "error"
        for channel in ("status", "candles", "market_trades", "ticker_batch"):
            ws.send(json.dumps({"type": "subscribe", "channel": channel,
                                "product_ids": ["SOL-USD"],
                                "jwt": build_jwt(key["key_name"], key["private_key"])}))
            assert recv_json(ws)["channel"] == "subscriptions"
            snapshot = recv_json(ws)
            assert snapshot["channel"] == channel and snapshot["events"][0]["type"] == "snapshot"
            WebsocketResponse(snapshot)
        ws.send(json.dumps({"type": "unsubscribe", "channel": "candles",
                            "product_ids": ["SOL-USD"]}))
        while (ack := recv_json(ws))["channel"] != "subscriptions":
            pass
        assert "candles" not in ack["events"][0]["subscriptions"]
    time.sleep(1.05 - time.time() % 1)  # unauthenticated messages count per IP per second


def test_connection_without_subscription_is_closed_at_the_deadline(sandbox):
    started = time.monotonic()
    with connect(sandbox.ws_market_url) as ws, pytest.raises(ConnectionClosed):
        ws.recv(timeout=8)
    assert 4.5 < time.monotonic() - started < 7.5


def test_unauthenticated_message_limit(sandbox):
    time.sleep(1.02 - time.time() % 1)
    with connect(sandbox.ws_market_url) as ws:
        for _ in range(10):
            ws.send(json.dumps({"type": "subscribe", "channel": "status",
                                "product_ids": ["BTC-USD"]}))
        errors, closed = [], None
        try:
            while True:
                message = recv_json(ws)
                if message.get("type") == "error":
                    errors.append(message["message"])
        except ConnectionClosed as exc:
            closed = exc
    assert errors == ["rate limit exceeded"]
    assert closed.rcvd.code == 1008
    time.sleep(1.05 - time.time() % 1)


def test_authenticated_messages_are_not_limited(sandbox):
    key = sandbox.control.create_key(permissions=["view"])
    with connect(sandbox.ws_market_url) as ws:
        for _ in range(12):
            ws.send(json.dumps({"type": "subscribe", "channel": "status", "product_ids": [],
                                "jwt": build_jwt(key["key_name"], key["private_key"]),
                                "nonce": str(uuid.uuid4())}))
        kinds = [recv_json(ws)["channel"] for _ in range(24)]
    assert kinds.count("subscriptions") == 12 and kinds.count("status") == 12


def test_connection_rate_per_ip_refuses_the_handshake(tmp_path):
    from websockets.exceptions import InvalidStatus

    from sandbox.launcher import start_sandbox

    server = start_sandbox(tmp_path, "--ws-connections-per-second", "2",
                           settings_module="tests.settings")
    try:
        time.sleep(1.02 - time.time() % 1)
        opened = [connect(server.ws_market_url), connect(server.ws_market_url)]
        with pytest.raises(InvalidStatus) as refused:
            connect(server.ws_market_url)
        assert refused.value.response.status_code == 429
        for ws in opened:
            ws.close()
    finally:
        server.stop()
