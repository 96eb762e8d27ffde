"""The diagnostic checks. Importing this package registers every check in `CHECKS`."""

from diagnostics.checks import (  # noqa: F401  (imported to register the checks)
    account_checks,
    jwt_checks,
    key_checks,
    rate_limit,
    reach,
    ws_checks,
)
from diagnostics.checks.base import (
    CHECKS,
    CheckResult,
    CheckSpec,
    Credentials,
    Exchange,
    RunContext,
    Status,
    WsFrame,
    register,
)
from diagnostics.checks.runner import run_check

CHECK_ORDER = [
    "jwt.inspect",
    "jwt.clock_skew",
    "key.format",
    "key.permissions",
    "reach.rest",
    "reach.ws_market",
    "reach.ws_user",
    "balances",
    "orders.history",
    "rate_limit",
    "ws.market",
    "ws.user",
]

__all__ = [
    "CHECKS",
    "CHECK_ORDER",
    "CheckResult",
    "CheckSpec",
    "Credentials",
    "Exchange",
    "RunContext",
    "Status",
    "WsFrame",
    "register",
    "run_check",
]
