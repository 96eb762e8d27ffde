"""WebSocket checks against the real sandbox (its fault switches per key), plus a silent
WebSocket server for the one fault the sandbox cannot produce (no acknowledgement)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from websockets.sync.client import connect
from websockets.sync.server import serve

from diagnostics.checks import Credentials, RunContext, Status, run_check


def make_ctx(sandbox, key: dict | None = None, seconds: float = 15, **options) -> RunContext:
    creds = Credentials(key["key_name"], key["private_key"]) if key else None
    return RunContext(rest_base=sandbox.base_url, ws_market_url=sandbox.ws_market_url,
                      ws_user_url=sandbox.ws_user_url, product_id="BTC-USD", credentials=creds,
                      deadline=time.monotonic() + seconds,
                      options={"ws_seconds": 1.2, **options})


@pytest.fixture
def key(sandbox):
    return sandbox.control.create_key("ES256", permissions=["view", "trade"])


def test_market_stream_is_measured_and_closed_cleanly(sandbox, key):
    result = run_check("ws.market", make_ctx(sandbox, key, level2=True))
    details = result.details
    assert result.status == Status.PASS, result.summary
    assert details["subscriptions"] == {"heartbeats": [], "level2": ["BTC-USD"],
                                        "ticker": ["BTC-USD"]}
    assert details["ack_ms"] is not None and details["first_message_ms"] is not None
    assert details["subscribed_ms"] < 2000  # well inside the server's 5-second deadline
    assert details["by_channel"]["l2_data"] >= 1 and details["by_channel"]["ticker"] >= 1
    assert details["messages_per_s"] > 0
    assert details["close"] == {"by": "client", "code": 1000, "clean": True}
    assert details["authenticated"] is True
    sent = [f for f in result.evidence if getattr(f, "direction", "") == "sent"]
    assert len(sent) == 3
    for frame in sent:  # the jwt keeps header and claims, never the signature
        assert "[REDACTED-SIGNATURE]" in json.loads(frame.data)["jwt"]
    assert result.evidence[0].kind == "ws-handshake" and result.evidence[0].status == 101


def test_unauthenticated_market_stream(sandbox):
    result = run_check("ws.market", make_ctx(sandbox))
    assert result.status == Status.PASS, result.summary
    assert result.details["authenticated"] is False


def test_sequence_gap(sandbox, key):
    sandbox.control.set_faults(key_name=key["key_name"], ws_sequence_gap=True)
    result = run_check("ws.market", make_ctx(sandbox, key, ws_seconds=2.2))
    assert "WS_SEQUENCE_GAP" in result.codes
    assert result.details["sequence_gaps"]


def test_heartbeat_stall(sandbox, key):
    sandbox.control.set_faults(key_name=key["key_name"], ws_heartbeat_stall=True)
    result = run_check("ws.market", make_ctx(sandbox, key, ws_seconds=3.2))
    assert "WS_HEARTBEAT_GAP" in result.codes


def test_server_drop(sandbox, key):
    sandbox.control.set_faults(key_name=key["key_name"], ws_drop_after=3)
    result = run_check("ws.market", make_ctx(sandbox, key, ws_seconds=2))
    assert "WS_DISCONNECTED" in result.codes
    assert result.details["close"]["by"] == "server"


def test_unknown_product(sandbox, key):
    ctx = make_ctx(sandbox, key)
    ctx.product_id = "NOPE-USD"
    result = run_check("ws.market", ctx)
    assert "PRODUCT_UNKNOWN" in result.codes
    assert "Failed to subscribe" in result.details["errors"]


def test_unauthenticated_message_limit(sandbox):
    """Another client on this IP has just sent 8 unauthenticated messages in this second
    (the limit); the check's own unauthenticated subscribes are then refused."""
    time.sleep(1.02 - time.time() % 1)  # start of a fresh one-second window
    with connect(sandbox.ws_market_url, open_timeout=2) as ws:
        for _ in range(8):
            ws.send('{"type":"subscribe","product_ids":[],"channel":"heartbeats"}')
        acks = 0
        while acks < 8:  # every one acknowledged: the server has counted them
            acks += '"subscriptions"' in ws.recv(timeout=2)
    result = run_check("ws.market", make_ctx(sandbox))
    assert "WS_RATE_LIMITED" in result.codes
    assert "rate limit exceeded" in result.details["errors"]


def test_no_acknowledgement_is_a_subscribe_timeout(settings):
    def silent(websocket):
        for _ in websocket:
            pass  # reads subscribes, never answers

    with serve(silent, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        ctx = RunContext(rest_base="", ws_market_url=f"ws://127.0.0.1:{port}/", ws_user_url="",
                         product_id="BTC-USD", deadline=time.monotonic() + 10,
                         options={"ws_seconds": 0.5, "ws_ack_timeout": 1.0})
        started = time.monotonic()
        result = run_check("ws.market", ctx)
        server.shutdown()
    assert result.codes == ["WS_SUBSCRIBE_TIMEOUT"]
    assert result.details["ack_ms"] is None
    assert 0.9 < time.monotonic() - started < 5


# --- ws.user ---------------------------------------------------------------------------------

def test_user_channel_snapshot(sandbox, key):
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "100000"})
    sandbox.control.place_resting_limit_order(key)
    result = run_check("ws.user", make_ctx(sandbox, key))
    assert result.status == Status.PASS, result.summary
    assert result.details["snapshot_received"] is True
    assert result.details["snapshot_orders"] == 1
    issued = result.details["jwt_issued"]
    assert issued and issued[0]["exp"] - issued[0]["nbf"] == 120


def test_user_jwt_is_refreshed_before_expiry_on_a_long_run(sandbox, key):
    ctx = make_ctx(sandbox, key, ws_seconds=1.8, ws_refresh_every=0.5)
    ctx.long_run = True
    result = run_check("ws.user", ctx)
    assert result.status == Status.PASS, result.summary
    assert result.details["refreshes"] >= 2
    sent = [f for f in result.evidence if getattr(f, "direction", "") == "sent"]
    assert len(sent) == 2 + result.details["refreshes"]


@pytest.mark.parametrize("mode", ["no_jwt", "expired_jwt"])
def test_user_channel_without_or_with_an_expired_jwt(sandbox, key, mode):
    result = run_check("ws.user", make_ctx(sandbox, key, ws_user_reproduce=mode))
    assert "WS_AUTH_FAILED" in result.codes
    assert result.status == Status.FAIL
    assert ("no JWT" if mode == "no_jwt" else "expired") in result.details["auth_failure"]


def test_user_channel_with_a_revoked_key(sandbox, key):
    sandbox.control.set_faults(revoked_keys=[key["key_name"]])
    result = run_check("ws.user", make_ctx(sandbox, key))
    assert result.codes == ["WS_AUTH_FAILED"]
    assert "revoked" in result.details["auth_failure"]


def test_user_channel_with_a_skewed_server_clock(sandbox, key):
    sandbox.control.set_faults(clock_offset_s=-200)
    result = run_check("ws.user", make_ctx(sandbox, key))
    assert result.codes == ["WS_AUTH_FAILED", "CLOCK_SKEW"]
    assert "server clock" in result.details["auth_failure"]


def test_user_check_skips_without_a_key(sandbox):
    assert run_check("ws.user", make_ctx(sandbox)).status == Status.SKIPPED


# --- reachability ----------------------------------------------------------------------------

@pytest.mark.parametrize("check_id", ["reach.ws_market", "reach.ws_user"])
def test_websocket_reachability(sandbox, check_id):
    result = run_check(check_id, make_ctx(sandbox))
    assert result.status == Status.PASS, result.summary
    assert result.details["upgrade_status"] == 101
    assert result.details["tcp_ms"] is not None and result.details["handshake_ms"] is not None


def test_websocket_reachability_over_tls(sandbox, settings):
    settings.DIAGNOSTICS_CA_BUNDLE = sandbox.ca_path
    ctx = make_ctx(sandbox)
    ctx.ws_market_url = f"wss://{sandbox.tls_host}/ws/market"
    result = run_check("reach.ws_market", ctx)
    assert result.status == Status.PASS, result.summary
    assert result.details["tls_version"].startswith("TLS")
    result = run_check("ws.market", ctx)
    assert result.status == Status.PASS, result.summary


def test_websocket_wrong_hosts_are_named(sandbox):
    ctx = make_ctx(sandbox)
    ctx.ws_market_url = "wss://ws-feed.exchange.coinbase.com"
    ctx.ws_user_url = "wss://advanced-trade-ws.coinbase.com"  # the documented fail-over
    market = run_check("reach.ws_market", ctx)
    assert market.codes[:2] == ["HOST_WRONG", "HOST_NOT_ALLOWED"]
    assert "Exchange" in market.summary
    ctx.ws_market_url = "wss://advanced-trade-ws-user.coinbase.com"
    assert "HOST_WRONG" in run_check("reach.ws_market", ctx).codes
    user = run_check("reach.ws_user", ctx)
    assert "HOST_WRONG" not in user.codes
