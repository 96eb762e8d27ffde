"""The sandbox setup of a practice scenario: parsed and validated from its JSON.

A scenario's `setup` is plain JSON so leads can edit it in the admin. `parse_setup`
turns it into frozen dataclasses and reports every problem with the path of the field
that is wrong, so the admin can show a clear message instead of accepting a setup the
sandbox cannot reproduce.

Shape (every key optional except where noted)::

    {
      "key": {"algorithm": "ES256"|"EdDSA", "permissions": ["view", "trade", "transfer"],
              "allowed_ips": ["203.0.113.7"]},
      "balances": {"USD": "1000", "BTC": "0"},
      "open_orders": [{"product_id": "BTC-USD", "side": "BUY", "base_size": "0.01",
                       "limit_price": "20000"}],
      "faults": {"clock_offset_s": 90, "latency_ms": 150, "rate_limit_storm": true,
                 "server_error_burst": 5, "ws_drop_after": 20, "ws_sequence_gap": true,
                 "ws_heartbeat_stall": true},
      "revoke_key": false,
      "case_portfolio": "own"|"other",
      "product_id": "BTC-USD",
      "intent": {"action": "view"|"trade"|"transfer", "side": "BUY"|"SELL", "size": "0.01"},
      "customer": {
        "snippet": "what the customer pasted (shown on the ticket)",
        "request": "GET /api/v3/brokerage/accounts",
        "jwt": {"kind": "rest"|"ws", "method": "GET", "host": "api.coinbase.com",
                "path": "/api/v3/brokerage/accounts", "query": "", "clock_offset_s": 0,
                "lifetime_s": 120, "iss": "cdp"},
        "clock_offset_s": 0
      }
    }
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

ALGORITHMS = ("ES256", "EdDSA")
PERMISSIONS = ("view", "trade", "transfer")
ACTIONS = ("view", "trade", "transfer")
SIDES = ("BUY", "SELL")
PRODUCT_RE = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$")
CURRENCY_RE = re.compile(r"^[A-Z0-9]{2,10}$")
METHODS = ("GET", "POST", "PUT", "DELETE")
INT_FAULTS = {
    "clock_offset_s": (-86_400, 86_400),
    "latency_ms": (0, 5_000),
    "server_error_burst": (0, 1_000),
    "ws_drop_after": (1, 100_000),
}
BOOL_FAULTS = ("rate_limit_storm", "ws_sequence_gap", "ws_heartbeat_stall")
TOP_LEVEL = {
    "key", "balances", "open_orders", "faults", "revoke_key", "case_portfolio",
    "product_id", "intent", "customer",
}


class SetupError(ValueError):
    """A setup the sandbox cannot reproduce; `errors` maps field paths to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in errors.items()))


@dataclass(frozen=True)
class KeySetup:
    algorithm: str = "ES256"
    permissions: tuple[str, ...] = ("view", "trade")
    allowed_ips: tuple[str, ...] | None = None


@dataclass(frozen=True)
class OrderSetup:
    product_id: str
    side: str
    base_size: str
    limit_price: str


@dataclass(frozen=True)
class Intent:
    action: str = "view"
    side: str = ""
    size: str = ""


@dataclass(frozen=True)
class CustomerJwt:
    """How the customer's pasted token is built, mistakes included."""

    kind: str = "rest"  # rest | ws
    method: str = "GET"
    host: str = "api.coinbase.com"
    path: str = "/api/v3/brokerage/accounts"
    query: str = ""
    clock_offset_s: int = 0
    lifetime_s: int = 120
    iss: str = "cdp"

    @property
    def uri(self) -> str | None:
        if self.kind == "ws":
            return None
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.host}{self.path}{query}"


@dataclass(frozen=True)
class CustomerSetup:
    snippet: str = ""
    request: str = ""
    jwt: CustomerJwt | None = None
    clock_offset_s: int = 0


@dataclass(frozen=True)
class ScenarioSetup:
    key: KeySetup = field(default_factory=KeySetup)
    balances: dict[str, str] = field(default_factory=dict)
    open_orders: tuple[OrderSetup, ...] = ()
    faults: dict[str, int | bool] = field(default_factory=dict)
    revoke_key: bool = False
    case_portfolio: str = "own"
    product_id: str = "BTC-USD"
    intent: Intent = field(default_factory=Intent)
    customer: CustomerSetup = field(default_factory=CustomerSetup)


class _Reader:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def obj(self, value, path: str, allowed: set[str]) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        for name in sorted(set(value) - allowed):
            self.fail(f"{path}.{name}", "unknown field")
        return value

    def choice(self, value, path: str, choices: tuple[str, ...], default: str) -> str:
        if value is None:
            return default
        if value not in choices:
            self.fail(path, f"must be one of {', '.join(choices)}")
            return default
        return value

    def integer(self, value, path: str, low: int, high: int, default: int = 0) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(path, f"must be a whole number from {low} to {high}")
            return default
        return value

    def boolean(self, value, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
            return False
        return value

    def decimal(self, value, path: str, positive: bool = False) -> str:
        try:
            number = Decimal(str(value)) if isinstance(value, str | int) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or (positive and number == 0):
            self.fail(path, "must be a decimal amount as a string, e.g. \"0.01\"")
            return "0"
        return str(value)

    def text(self, value, path: str, limit: int = 4000) -> str:
        if value is None:
            return ""
        if not isinstance(value, str) or len(value) > limit:
            self.fail(path, f"must be text of at most {limit} characters")
            return ""
        return value

    def product(self, value, path: str) -> str:
        if not isinstance(value, str) or not PRODUCT_RE.match(value):
            self.fail(path, "must be a product pair such as BTC-USD")
            return "BTC-USD"
        return value


def _key(r: _Reader, data) -> KeySetup:
    data = r.obj(data, "key", {"algorithm", "permissions", "allowed_ips"})
    algorithm = r.choice(data.get("algorithm"), "key.algorithm", ALGORITHMS, "ES256")
    permissions = data.get("permissions", ["view", "trade"])
    if not isinstance(permissions, list) or any(p not in PERMISSIONS for p in permissions):
        r.fail("key.permissions", f"must be a list drawn from {', '.join(PERMISSIONS)}")
        permissions = ["view"]
    allowed = data.get("allowed_ips")
    if allowed is not None:
        if not isinstance(allowed, list) or not allowed:
            r.fail("key.allowed_ips", "must be a non-empty list of IP addresses")
            allowed = None
        else:
            for i, ip in enumerate(allowed):
                try:
                    ipaddress.ip_address(ip)
                except (TypeError, ValueError):
                    r.fail(f"key.allowed_ips[{i}]", "is not an IP address")
    return KeySetup(algorithm, tuple(permissions), tuple(allowed) if allowed else None)


def _balances(r: _Reader, data) -> dict[str, str]:
    data = data if data is not None else {}
    if not isinstance(data, dict):
        r.fail("balances", "must be an object of currency to amount")
        return {}
    out = {}
    for currency, amount in data.items():
        if not CURRENCY_RE.match(str(currency)):
            r.fail(f"balances.{currency}", "is not a currency code such as USD")
            continue
        out[currency] = r.decimal(amount, f"balances.{currency}")
    return out


def _orders(r: _Reader, data) -> tuple[OrderSetup, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        r.fail("open_orders", "must be a list")
        return ()
    orders = []
    for i, item in enumerate(data):
        path = f"open_orders[{i}]"
        item = r.obj(item, path, {"product_id", "side", "base_size", "limit_price"})
        orders.append(
            OrderSetup(
                product_id=r.product(item.get("product_id"), f"{path}.product_id"),
                side=r.choice(item.get("side", ""), f"{path}.side", SIDES, "BUY"),
                base_size=r.decimal(item.get("base_size"), f"{path}.base_size", positive=True),
                limit_price=r.decimal(item.get("limit_price"), f"{path}.limit_price", True),
            )
        )
    return tuple(orders)


def _faults(r: _Reader, data) -> dict[str, int | bool]:
    data = r.obj(data, "faults", set(INT_FAULTS) | set(BOOL_FAULTS))
    out: dict[str, int | bool] = {}
    for name, (low, high) in INT_FAULTS.items():
        if name in data:
            out[name] = r.integer(data[name], f"faults.{name}", low, high)
    for name in BOOL_FAULTS:
        if name in data:
            out[name] = r.boolean(data[name], f"faults.{name}")
    return out


def _customer(r: _Reader, data) -> CustomerSetup:
    data = r.obj(data, "customer", {"snippet", "request", "jwt", "clock_offset_s"})
    jwt = None
    if data.get("jwt") is not None:
        j = r.obj(
            data["jwt"], "customer.jwt",
            {"kind", "method", "host", "path", "query", "clock_offset_s", "lifetime_s", "iss"},
        )
        jwt = CustomerJwt(
            kind=r.choice(j.get("kind"), "customer.jwt.kind", ("rest", "ws"), "rest"),
            method=r.choice(j.get("method"), "customer.jwt.method", METHODS, "GET"),
            host=r.text(j.get("host"), "customer.jwt.host", 200) or "api.coinbase.com",
            path=r.text(j.get("path"), "customer.jwt.path", 300) or "/api/v3/brokerage/accounts",
            query=r.text(j.get("query"), "customer.jwt.query", 300),
            clock_offset_s=r.integer(
                j.get("clock_offset_s"), "customer.jwt.clock_offset_s", -86_400, 86_400
            ),
            lifetime_s=r.integer(j.get("lifetime_s"), "customer.jwt.lifetime_s", 1, 86_400, 120),
            iss=r.text(j.get("iss"), "customer.jwt.iss", 50) or "cdp",
        )
    return CustomerSetup(
        snippet=r.text(data.get("snippet"), "customer.snippet"),
        request=r.text(data.get("request"), "customer.request", 300),
        jwt=jwt,
        clock_offset_s=r.integer(
            data.get("clock_offset_s"), "customer.clock_offset_s", -86_400, 86_400
        ),
    )


def parse_setup(data) -> ScenarioSetup:
    """Validate a scenario's setup JSON; raise SetupError naming every bad field."""
    r = _Reader()
    data = r.obj(data, "setup", TOP_LEVEL) if data is not None else {}
    if r.errors.get("setup"):
        raise SetupError(r.errors)
    intent_data = r.obj(data.get("intent"), "intent", {"action", "side", "size"})
    intent = Intent(
        action=r.choice(intent_data.get("action"), "intent.action", ACTIONS, "view"),
        side=r.choice(intent_data.get("side"), "intent.side", SIDES, "")
        if intent_data.get("side")
        else "",
        size=r.decimal(intent_data["size"], "intent.size", True) if "size" in intent_data else "",
    )
    setup = ScenarioSetup(
        key=_key(r, data.get("key")),
        balances=_balances(r, data.get("balances")),
        open_orders=_orders(r, data.get("open_orders")),
        faults=_faults(r, data.get("faults")),
        revoke_key=r.boolean(data.get("revoke_key"), "revoke_key"),
        case_portfolio=r.choice(
            data.get("case_portfolio"), "case_portfolio", ("own", "other"), "own"
        ),
        product_id=r.product(data.get("product_id", "BTC-USD"), "product_id"),
        intent=intent,
        customer=_customer(r, data.get("customer")),
    )
    if setup.intent.side and not setup.intent.size:
        r.fail("intent.size", "is required when a side is given")
    if r.errors:
        raise SetupError(r.errors)
    return setup
