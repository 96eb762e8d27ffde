"""Outbound network access for diagnostics: allow-listed, pinned, time-bounded."""

from diagnostics.net.http import PACER, HttpResult, backoff_delay, request
from diagnostics.net.targets import (
    ConnectFailed,
    ConnectReport,
    Target,
    TargetRefused,
    open_connection,
    parse_target,
    resolve,
)
from diagnostics.net.ws import FrameLog, WsOpen, open_websocket, redact_frame

__all__ = [
    "PACER",
    "ConnectFailed",
    "ConnectReport",
    "FrameLog",
    "HttpResult",
    "Target",
    "TargetRefused",
    "WsOpen",
    "backoff_delay",
    "open_connection",
    "open_websocket",
    "parse_target",
    "redact_frame",
    "request",
    "resolve",
]
