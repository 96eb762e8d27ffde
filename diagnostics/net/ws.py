"""The outbound WebSocket client for diagnostics (websockets 13 sync client).

The TCP (and TLS) connection is opened by `targets.open_connection`, so the same
allow-list, address validation and pinning apply as for HTTP; websockets then runs the
upgrade over that socket. Redirects and other non-101 answers are reported, never
followed. Frames are recorded as evidence with any `jwt` field reduced to its header and
claims.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from diagnostics.checks.base import WsFrame
from diagnostics.net.targets import (
    ConnectFailed,
    ConnectReport,
    TargetRefused,
    open_connection,
    parse_target,
)
from triage.redaction import redact_headers, redact_text

MAX_MESSAGE = 10 * 1024 * 1024  # the official SDK's limit: a level2 snapshot can be large
MAX_FRAMES_KEPT = 60
FRAME_EXCERPT = 1500


# websockets logs every frame at DEBUG, subscribe messages (and their JWTs) included: its
# connections log to this logger, which never emits. Evidence frames are kept redacted instead.
_wire_logger = logging.getLogger("diagnostics.net.ws.wire")
_wire_logger.addHandler(logging.NullHandler())
_wire_logger.propagate = False
_wire_logger.setLevel(logging.CRITICAL + 1)


class _AlreadyWrapped:
    """Hands websockets the socket `open_connection` already wrapped in verified TLS."""

    def __init__(self, sock):
        self._sock = sock

    def wrap_socket(self, sock, server_hostname=None):
        return self._sock


@dataclass
class WsOpen:
    connection: ClientConnection | None
    connect: ConnectReport | None
    handshake_ms: float | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    error_code: str = ""
    error: str = ""


def open_websocket(url: str, *, deadline: float, user_agent: str | None = None) -> WsOpen:
    """Connect and upgrade, by `deadline` (time.monotonic()). Never raises for network
    problems; the caller closes `connection`."""
    try:
        target = parse_target(url, schemes=("ws", "wss"))
        sock, report = open_connection(target, deadline)
    except TargetRefused as exc:
        return WsOpen(None, None, error_code=exc.code, error=str(exc))
    except ConnectFailed as exc:
        return WsOpen(None, exc.report, error_code=exc.code, error=str(exc))
    started = time.monotonic()
    try:
        conn = connect(
            url,
            sock=sock,
            ssl=_AlreadyWrapped(sock) if target.secure else None,
            server_hostname=target.host if target.secure else None,
            open_timeout=max(0.05, deadline - time.monotonic()),
            close_timeout=1.0,
            max_size=MAX_MESSAGE,
            compression=None,
            user_agent_header=user_agent or "coinbase-triage-diagnostics/1.0",
            logger=_wire_logger,
        )
    except InvalidStatus as exc:
        sock.close()
        response = exc.response
        headers = {k.lower(): v for k, v in response.headers.raw_items()}
        status = response.status_code
        message = f"the server answered HTTP {status} instead of switching protocols"
        if 300 <= status < 400:
            message += f"; redirect to {redact_text(headers.get('location', ''))} not followed"
        code = "WS_RATE_LIMITED" if status == 429 else "HTTP_UNEXPECTED_STATUS"
        return WsOpen(None, report, round((time.monotonic() - started) * 1000, 1), status,
                      redact_headers(headers), code, message)
    except (InvalidHandshake, TimeoutError, OSError, EOFError, ValueError, LookupError) as exc:
        sock.close()
        return WsOpen(None, report, None, None, {}, "TCP_FAILED",
                      f"WebSocket upgrade failed: {type(exc).__name__}")
    handshake_ms = round((time.monotonic() - started) * 1000, 1)
    response_headers = {}
    if conn.response is not None:
        raw_headers = conn.response.headers.raw_items()
        response_headers = redact_headers({k.lower(): v for k, v in raw_headers})
    return WsOpen(conn, report, handshake_ms, 101, response_headers)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def redact_frame(data: str | bytes) -> str:
    """A frame's text for evidence: the `jwt` field keeps header and claims only."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    try:
        parsed = json.loads(data)
    except ValueError:
        return redact_text(data[:FRAME_EXCERPT])
    if isinstance(parsed, dict) and isinstance(parsed.get("jwt"), str):
        parsed = dict(parsed, jwt=redact_text(parsed["jwt"]))
        data = json.dumps(parsed, separators=(",", ":"))
    text = redact_text(data)
    if len(text) > FRAME_EXCERPT:
        text = text[:FRAME_EXCERPT] + "…"
    return text


class FrameLog:
    """Keeps a bounded sample of frames: every sent frame, and received ones up to a cap."""

    def __init__(self, limit: int = MAX_FRAMES_KEPT):
        self.frames: list[WsFrame] = []
        self.limit = limit
        self.dropped = 0

    def sent(self, data: str) -> None:
        self.frames.append(WsFrame("sent", _now_iso(), redact_frame(data)))

    def received(self, data: str | bytes, force: bool = False) -> None:
        if force or len(self.frames) < self.limit:
            self.frames.append(WsFrame("received", _now_iso(), redact_frame(data)))
        else:
            self.dropped += 1

    def closed(self, description: str) -> None:
        self.frames.append(WsFrame("closed", _now_iso(), redact_text(description)))
