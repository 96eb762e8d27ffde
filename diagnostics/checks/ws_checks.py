"""ws.market and ws.user: subscribe within the deadline, then watch the stream."""

from __future__ import annotations

import json
import time

from websockets.exceptions import ConnectionClosed

from diagnostics import jwt_tools
from diagnostics.checks.base import CheckResult, Exchange, RunContext, Status, register
from diagnostics.checks.common import finish, needs_credentials, server_time
from diagnostics.net.ws import FrameLog, WsOpen, open_websocket

ACK_TIMEOUT_S = 5.0  # the server disconnects a client that has not subscribed within 5 s
HEARTBEAT_STALL_S = 2.5  # heartbeats come every second
REFRESH_MARGIN_S = 30
EVENTS_KEPT = 20  # a sample of events for the result; a busy feed must not grow memory


def classify_error(message: str) -> str:
    text = (message or "").lower()
    if "auth" in text:
        return "WS_AUTH_FAILED"
    if "rate" in text or "too many" in text or "limit" in text:
        return "WS_RATE_LIMITED"
    if "product" in text:
        return "PRODUCT_UNKNOWN"
    return "WS_ERROR"


class Stream:
    """Reads one connection until a deadline, keeping the facts a check reports."""

    def __init__(self, opened: WsOpen, log: FrameLog):
        self.conn = opened.connection
        self.log = log
        self.opened_at = time.monotonic()
        self.codes: list[str] = []
        self.errors: list[str] = []
        self.ack_ms = None
        self.subscribed_ms = None
        self.ack: dict | None = None
        self.first_message_ms = None
        self.messages = 0
        self.by_channel: dict[str, int] = {}
        self.last_seq = None
        self.gaps: list[dict] = []
        self.late = 0
        self.last_counter = None
        self.heartbeat_gaps: list[dict] = []
        self.last_heartbeat_at = None
        self.close: dict | None = None
        self.events: list[dict] = []

    def send(self, message: dict) -> None:
        text = json.dumps(message, separators=(",", ":"))
        if self.subscribed_ms is None:
            self.subscribed_ms = round((time.monotonic() - self.opened_at) * 1000, 1)
        self.conn.send(text)
        self.log.sent(text)

    def _handle(self, raw) -> None:
        now = time.monotonic()
        try:
            data = json.loads(raw)
        except ValueError:
            self.log.received(raw, force=True)
            self.errors.append("a frame that is not JSON")
            return
        if not isinstance(data, dict):
            return
        if data.get("type") == "error":
            self.log.received(raw, force=True)
            message = str(data.get("message", ""))
            self.errors.append(message)
            self.codes.append(classify_error(message))
            return
        channel = data.get("channel", "")
        seq = data.get("sequence_num")
        if isinstance(seq, int):
            if self.last_seq is not None and seq > self.last_seq + 1:
                self.gaps.append({"after": self.last_seq, "got": seq})
            elif self.last_seq is not None and seq <= self.last_seq:
                self.late += 1
            self.last_seq = max(seq, self.last_seq if self.last_seq is not None else seq)
        if channel == "subscriptions":
            self.log.received(raw, force=True)
            if self.ack is None:
                self.ack_ms = round((now - self.opened_at) * 1000, 1)
            self.ack = (data.get("events") or [{}])[0].get("subscriptions", {})
            return
        self.log.received(raw)
        self.messages += 1
        self.by_channel[channel] = self.by_channel.get(channel, 0) + 1
        if self.first_message_ms is None:
            self.first_message_ms = round((now - self.opened_at) * 1000, 1)
        for event in data.get("events") or []:
            if not isinstance(event, dict):
                continue
            if channel == "heartbeats" and "heartbeat_counter" in event:
                try:
                    counter = int(event["heartbeat_counter"])
                except (TypeError, ValueError):
                    continue
                if self.last_counter is not None and counter != self.last_counter + 1:
                    self.heartbeat_gaps.append({"after": self.last_counter, "got": counter})
                self.last_counter = counter
                self.last_heartbeat_at = now
            elif channel != "heartbeats" and (
                len(self.events) < EVENTS_KEPT
                or (channel == "user" and event.get("type") == "snapshot")
            ):
                self.events.append({"channel": channel, "type": event.get("type"),
                                    "event": event})

    def read_until(self, deadline: float, stop=None) -> None:
        """Receive until `deadline` (monotonic), the server closes, or stop() is true."""
        while time.monotonic() < deadline and self.close is None:
            if stop is not None and stop():
                return
            try:
                raw = self.conn.recv(timeout=max(0.01, min(0.25, deadline - time.monotonic())))
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                rcvd = exc.rcvd
                self.close = {"by": "server", "code": rcvd.code if rcvd else None,
                              "reason": rcvd.reason if rcvd else ""}
                self.log.closed(f"closed by the server: {self.close['code']} "
                                f"{self.close['reason']}")
                self.codes.append("WS_DISCONNECTED")
                return
            self._handle(raw)

    def finish(self, heartbeats: bool) -> None:
        now = time.monotonic()
        if heartbeats and self.close is None:
            since = now - (self.last_heartbeat_at or self.opened_at)
            if since > HEARTBEAT_STALL_S:
                self.heartbeat_gaps.append({"stalled_for_s": round(since, 1)})
        if self.heartbeat_gaps:
            self.codes.append("WS_HEARTBEAT_GAP")
        if self.gaps:
            self.codes.append("WS_SEQUENCE_GAP")
        if self.ack is None and not self.errors and self.close is None:
            self.codes.append("WS_SUBSCRIBE_TIMEOUT")
        if self.close is None:
            self.conn.close(1000, "diagnostics done")
            self.close = {"by": "client", "code": 1000, "clean": True}
            self.log.closed("closed by the client: 1000")

    def facts(self) -> dict:
        elapsed = max(0.001, time.monotonic() - self.opened_at)
        return {
            "subscribed_ms": self.subscribed_ms, "ack_ms": self.ack_ms,
            "subscriptions": self.ack,
            "first_message_ms": self.first_message_ms, "messages": self.messages,
            "messages_per_s": round(self.messages / elapsed, 1), "by_channel": self.by_channel,
            "sequence_gaps": self.gaps[:10], "late_or_duplicate": self.late,
            "heartbeat_gaps": self.heartbeat_gaps[:10], "last_heartbeat_counter":
            self.last_counter, "errors": self.errors[:10], "close": self.close,
            "frames_not_kept": self.log.dropped,
        }


def _await_ack(stream: Stream, ctx: RunContext) -> None:
    """Past the observation window, keep waiting for a late acknowledgement up to the
    acknowledgement timeout (the server's own 5-second subscribe deadline)."""
    if stream.ack is None and not stream.errors and stream.close is None:
        timeout = float(ctx.options.get("ws_ack_timeout") or ACK_TIMEOUT_S)
        limit = min(stream.opened_at + timeout, time.monotonic() + ctx.seconds_left(timeout))
        stream.read_until(limit, stop=lambda: stream.ack is not None)


def _handshake_evidence(url: str, opened: WsOpen) -> Exchange:
    return Exchange(method="GET", url=url, request_headers={"Upgrade": "websocket"},
                    status=opened.status, response_headers=opened.response_headers,
                    body_excerpt="", duration_ms=opened.handshake_ms or 0.0,
                    error=opened.error, kind="ws-handshake")


def _window(ctx: RunContext, default: float = 3.0) -> float:
    seconds = float(ctx.options.get("ws_seconds") or default)
    return max(0.5, min(seconds, ctx.seconds_left(seconds + 1.0) - 0.5))


def _status_for(codes: list[str]) -> Status:
    return Status.FAIL if codes else Status.PASS


def _usable_key(ctx: RunContext):
    if needs_credentials("ws", ctx) is not None:
        return None
    return jwt_tools.load_private_key(ctx.credentials.key_secret)


@register("ws.market", "Market WebSocket", description="Subscribes to heartbeats and ticker "
          "(and level2 when asked): acknowledgement, first-message latency, rate, sequence "
          "gaps, heartbeat continuity, a sample of messages, errors and a clean close.")
def ws_market(ctx: RunContext) -> CheckResult:
    window = _window(ctx)
    opened = open_websocket(ctx.ws_market_url, deadline=time.monotonic() + ctx.seconds_left(8))
    evidence: list = [_handshake_evidence(ctx.ws_market_url, opened)]
    if opened.connection is None:
        return finish("ws.market", Status.FAIL, f"Could not connect: {opened.error}.",
                      [opened.error_code], details={"url": ctx.ws_market_url},
                      evidence=evidence)
    key = _usable_key(ctx)
    product = (ctx.product_id or "BTC-USD").upper()
    channels = [("heartbeats", []), ("ticker", [product])]
    if ctx.options.get("level2"):
        channels.append(("level2", [product]))
    log = FrameLog()
    stream = Stream(opened, log)
    try:
        for channel, products in channels:
            message = {"type": "subscribe", "product_ids": products, "channel": channel}
            if key is not None:
                message["jwt"] = jwt_tools.build_jwt(ctx.credentials.key_name, "",
                                                     private_key=key)
            stream.send(message)
        stream.read_until(time.monotonic() + window)
        _await_ack(stream, ctx)
        stream.finish(heartbeats=True)
    except ConnectionClosed:
        stream.codes.append("WS_DISCONNECTED")
    finally:
        opened.connection.close()
    evidence += log.frames
    if "WS_ERROR" in stream.codes and any("failed to subscribe" in e.lower()
                                          for e in stream.errors):
        # Valid channels on the market endpoint: the product is unknown, or this is the
        # user endpoint, which serves no market channels.
        user_endpoint = "user" in ctx.ws_market_url.rsplit("/", 1)[-1] or \
            "ws-user" in ctx.ws_market_url
        stream.codes.append("HOST_WRONG" if user_endpoint else "PRODUCT_UNKNOWN")
    facts = stream.facts()
    facts.update(url=ctx.ws_market_url, authenticated=key is not None,
                 channels=[c for c, _ in channels], sample=stream.events[:3])
    codes = list(dict.fromkeys(stream.codes))
    summary = (f"{facts['messages']} messages in {window:.1f} s "
               f"({facts['messages_per_s']}/s), ack in {facts['ack_ms']} ms, first message in "
               f"{facts['first_message_ms']} ms.")
    if codes:
        summary = "Problems: " + ", ".join(codes) + ". " + summary
    return finish("ws.market", _status_for(codes), summary, codes, details=facts,
                  evidence=evidence)


@register("ws.user", "User WebSocket", needs_credentials=True,
          description="Builds a WebSocket JWT from the key, subscribes to user and heartbeats, "
          "captures the snapshot and the JWT's issuance time, refreshes the JWT before it "
          "expires on a long run, and reports authentication failures precisely.")
def ws_user(ctx: RunContext) -> CheckResult:
    mode = ctx.options.get("ws_user_reproduce", "")
    key = _usable_key(ctx)
    if key is None and mode != "no_jwt":
        return needs_credentials("ws.user", ctx) or finish(
            "ws.user", Status.SKIPPED, "Skipped: no usable key.", [])
    window = _window(ctx, 8.0 if ctx.long_run else 3.0)
    opened = open_websocket(ctx.ws_user_url, deadline=time.monotonic() + ctx.seconds_left(8))
    evidence: list = [_handshake_evidence(ctx.ws_user_url, opened)]
    if opened.connection is None:
        return finish("ws.user", Status.FAIL, f"Could not connect: {opened.error}.",
                      [opened.error_code], details={"url": ctx.ws_user_url}, evidence=evidence)
    product_ids = [ctx.product_id.upper()] if ctx.product_id else []
    issued: list[dict] = []

    def token() -> str | None:
        if mode == "no_jwt":
            return None
        now = int(time.time()) - (300 if mode == "expired_jwt" else 0)
        made = jwt_tools.build_jwt(ctx.credentials.key_name, "", private_key=key, now=now)
        issued.append({"nbf": now, "exp": now + jwt_tools.JWT_LIFETIME})
        return made

    def subscribe(channel: str, products: list[str]) -> None:
        message = {"type": "subscribe", "product_ids": products, "channel": channel}
        jwt = token()
        if jwt:
            message["jwt"] = jwt
        stream.send(message)

    log = FrameLog()
    stream = Stream(opened, log)
    refresh_every = float(ctx.options.get("ws_refresh_every") or
                          (jwt_tools.JWT_LIFETIME - REFRESH_MARGIN_S))
    refreshes = 0
    try:
        subscribe("heartbeats", [])
        subscribe("user", product_ids)
        end = time.monotonic() + window
        next_refresh = time.monotonic() + refresh_every
        while time.monotonic() < end and stream.close is None and not stream.errors:
            stream.read_until(min(end, next_refresh))
            if time.monotonic() >= next_refresh and stream.close is None and (
                ctx.long_run or ctx.options.get("ws_refresh_every")
            ):
                subscribe("user", product_ids)  # a fresh JWT before the current one expires
                refreshes += 1
                next_refresh = time.monotonic() + refresh_every
            elif time.monotonic() >= next_refresh:
                next_refresh = end
        _await_ack(stream, ctx)
        stream.finish(heartbeats=not stream.errors)
    except ConnectionClosed:
        stream.codes.append("WS_DISCONNECTED")
    finally:
        opened.connection.close()
    evidence += log.frames
    facts = stream.facts()
    snapshot = next((e for e in stream.events if e["channel"] == "user"
                     and e["type"] == "snapshot"), None)
    facts.update(url=ctx.ws_user_url, jwt_issued=issued[:10], refreshes=refreshes, mode=mode,
                 snapshot_orders=len(snapshot["event"].get("orders") or []) if snapshot else None,
                 snapshot_received=snapshot is not None)
    codes = list(dict.fromkeys(stream.codes))
    if "WS_AUTH_FAILED" in codes:
        facts["auth_failure"] = _explain_auth_failure(ctx, mode, issued, evidence, codes)
        summary = f"Authentication failure: {facts['auth_failure']}."
    else:
        got = f"received with {facts['snapshot_orders']} orders" if snapshot else "not received"
        summary = (f"Snapshot {got}; {facts['messages']} messages, "
                   f"{refreshes} JWT refresh(es).")
        if not snapshot and not codes:
            codes.append("WS_SUBSCRIBE_TIMEOUT")
        if codes:
            summary = "Problems: " + ", ".join(codes) + ". " + summary
    return finish("ws.user", _status_for(codes), summary, codes, details=facts,
                  evidence=evidence)


def _explain_auth_failure(ctx, mode, issued, evidence, codes) -> str:
    if mode == "no_jwt":
        return "the subscribe message carried no JWT; the user channel needs one"
    if mode == "expired_jwt":
        return "the subscribe message carried a JWT that had already expired"
    server, _ = server_time(ctx, evidence)
    if server is not None and issued:
        skew = issued[-1]["nbf"] - server
        if abs(skew) > 5:
            codes.append("CLOCK_SKEW")
            return (f"the JWT's nbf is {skew:+.0f} s from the server clock, so the server "
                    "judges it not yet valid or expired")
    return ("a freshly built JWT was refused: the key is unknown or revoked, or its IP "
            "allowlist excludes this caller")
