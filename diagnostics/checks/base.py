"""The contract every diagnostic check follows.

A check is a plain function `check(ctx: RunContext) -> CheckResult`, registered with
`@register(...)`. It has no ORM and no Celery: tasks call it, the CLI calls it, tests
call it directly against the sandbox. Evidence it captures is already redacted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Credentials:
    """A customer's key, held in worker memory only. Never logged, never serialised."""

    key_name: str
    key_secret: str

    def __repr__(self) -> str:  # keep the secret out of tracebacks and logs
        return f"Credentials(key_name={self.key_name[:12]!r}…, key_secret=<hidden>)"

    __str__ = __repr__


@dataclass
class RunContext:
    """What a check needs: targets, the case's facts and a handle to credentials."""

    rest_base: str
    ws_market_url: str
    ws_user_url: str
    product_id: str = ""
    portfolio_id: str = ""
    action: str = "view"  # view | trade | transfer
    side: str = ""  # BUY | SELL, for the "would this order be covered" question
    size: str = ""
    customer_jwt: str = ""  # a pasted token; inspected, never sent anywhere
    customer_request: str = ""  # e.g. "GET /api/v3/brokerage/accounts" the customer meant
    customer_time: int | None = None  # epoch seconds the agent entered for the customer
    public_key_pem: str = ""
    key_allowed_ips: list[str] = field(default_factory=list)  # the key's IP allowlist, if known
    customer_ip: str = ""  # the customer's egress IP, if known
    credentials: Credentials | None = None
    deadline: float | None = None  # time.monotonic() by which every check must be done
    long_run: bool = False
    # Optional knobs: server_time (epoch, for jwt.inspect), jwt_use ("rest"|"ws"), jwt_host,
    # ws_seconds, level2, ws_user_reproduce ("no_jwt"|"expired_jwt"), ws_refresh_every,
    # rate_probe_calls, page_limit, max_pages.
    options: dict[str, Any] = field(default_factory=dict)

    def seconds_left(self, default: float = 10.0) -> float:
        if self.deadline is None:
            return default
        return max(0.1, min(default, self.deadline - time.monotonic()))


@dataclass
class Exchange:
    """One HTTP exchange as evidence. Authorization is redacted before it is built."""

    method: str
    url: str
    request_headers: dict[str, str]
    status: int | None
    response_headers: dict[str, str]
    body_excerpt: str
    duration_ms: float
    correlation_ids: dict[str, str] = field(default_factory=dict)
    started_at: str = ""  # ISO 8601 UTC
    request_body: str = ""
    error: str = ""
    kind: str = "http"


@dataclass
class WsFrame:
    """One WebSocket frame as evidence."""

    direction: str  # "sent" | "received" | "closed"
    at: str  # ISO 8601 UTC
    data: str  # redacted JSON text (a jwt field keeps header and claims only)
    kind: str = "ws"


@dataclass
class CheckResult:
    check_id: str
    status: Status
    summary: str
    codes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    advice: str = ""
    duration_ms: float = 0.0
    evidence: list[Exchange | WsFrame] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = str(self.status)
        return data


@dataclass(frozen=True)
class CheckSpec:
    check_id: str
    title: str
    func: Callable[[RunContext], CheckResult]
    needs_credentials: bool = False
    description: str = ""


CHECKS: dict[str, CheckSpec] = {}


def register(check_id: str, title: str, *, needs_credentials: bool = False, description: str = ""):
    """Register a check function under a stable id such as "jwt.inspect"."""

    def decorator(func: Callable[[RunContext], CheckResult]):
        CHECKS[check_id] = CheckSpec(check_id, title, func, needs_credentials, description)
        return func

    return decorator
