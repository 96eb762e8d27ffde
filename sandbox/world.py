"""The sandbox's in-memory world: users, portfolios, accounts, keys, orders and fills.

`World.seeded(seed, now)` builds the same demo world for the same seed: four demo keys (view
only, trading, IP-restricted, EdDSA), three portfolios of the demo user with an account for
every currency, and a few hundred historical orders with fills per portfolio so pagination
is visible. Keys created over the control API get their own user and portfolio.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sandbox.catalog import (
    CURRENCIES,
    CURRENCY_NAMES,
    PRODUCTS,
    PRODUCTS_BY_ID,
    USD_PRICE,
    quantize,
    reference_price,
)
from sandbox.keys import ApiKey, new_key_pair

MAKER_FEE = Decimal("0.004")
TAKER_FEE = Decimal("0.006")
NEW_PORTFOLIO_BALANCES = {"USD": Decimal("10000"), "BTC": Decimal("0.5"), "ETH": Decimal("5")}


def ts(t: float) -> str:
    """RFC 3339 UTC timestamp with microseconds, as the API writes them."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class Portfolio:
    uuid: str
    name: str
    user_id: str
    type: str = "DEFAULT"
    deleted: bool = False


@dataclass
class Account:
    uuid: str
    portfolio_uuid: str
    currency: str
    available: Decimal
    hold: Decimal
    created_at: float


@dataclass
class Order:
    order_id: str
    product_id: str
    user_id: str
    portfolio_uuid: str
    side: str
    client_order_id: str
    order_type: str
    config_name: str
    configuration: dict
    created_time: float
    status: str = "PENDING"
    time_in_force: str = "GOOD_UNTIL_CANCELLED"
    filled_size: Decimal = Decimal(0)
    filled_value: Decimal = Decimal(0)
    total_fees: Decimal = Decimal(0)
    number_of_fills: int = 0
    hold_amount: Decimal = Decimal(0)
    hold_currency: str = ""
    last_fill_time: float | None = None
    end_time: float | None = None
    cancel_message: str = ""
    trigger_status: str = "INVALID_ORDER_TYPE"

    @property
    def leaf(self) -> dict:
        return self.configuration[self.config_name]


@dataclass
class Fill:
    entry_id: str
    trade_id: str
    order_id: str
    trade_time: float
    price: Decimal
    size: Decimal
    commission: Decimal
    product_id: str
    liquidity_indicator: str
    user_id: str
    side: str
    portfolio_uuid: str


@dataclass
class World:
    seed: int
    now: float
    rng: random.Random
    keys: dict[str, ApiKey] = field(default_factory=dict)
    portfolios: dict[str, Portfolio] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    demo_secrets: list[dict] = field(default_factory=list)

    # -- lookups -----------------------------------------------------------------------------
    def portfolio_accounts(self, portfolio_uuid: str) -> list[Account]:
        accounts = [a for a in self.accounts.values() if a.portfolio_uuid == portfolio_uuid]
        return sorted(accounts, key=lambda a: (CURRENCIES.index(a.currency), a.uuid))

    def account_for(self, portfolio_uuid: str, currency: str) -> Account:
        for account in self.accounts.values():
            if account.portfolio_uuid == portfolio_uuid and account.currency == currency:
                return account
        account = Account(self.new_uuid(), portfolio_uuid, currency, Decimal(0), Decimal(0),
                          self.now)
        self.accounts[account.uuid] = account
        return account

    def user_portfolios(self, user_id: str) -> list[Portfolio]:
        return [p for p in self.portfolios.values() if p.user_id == user_id]

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # -- building ----------------------------------------------------------------------------
    def add_portfolio(self, name: str, user_id: str, balances: dict[str, Decimal],
                      type_: str = "DEFAULT") -> Portfolio:
        portfolio = Portfolio(self.new_uuid(), name, user_id, type_)
        self.portfolios[portfolio.uuid] = portfolio
        for index, currency in enumerate(CURRENCIES):
            account = Account(self.new_uuid(), portfolio.uuid, currency,
                              balances.get(currency, Decimal(0)), Decimal(0),
                              self.now - 400 * 86400 + index * 3600)
            self.accounts[account.uuid] = account
        return portfolio

    def add_key(self, *, algorithm: str, permissions, portfolio_uuid: str, user_id: str,
                allowed_ips=(), nickname: str = "", rng: random.Random | None = None
                ) -> tuple[ApiKey, str]:
        name, secret, public = new_key_pair(algorithm, rng)
        key = ApiKey(name=name, algorithm=algorithm, public_key=public,
                     permissions=frozenset(permissions), portfolio_uuid=portfolio_uuid,
                     user_id=user_id, allowed_ips=list(allowed_ips), nickname=nickname,
                     created_at=ts(self.now))
        self.keys[name] = key
        return key, secret

    @classmethod
    def seeded(cls, seed: int, now: float) -> World:
        world = cls(seed=seed, now=now, rng=random.Random(f"sandbox-world:{seed}"))
        user_id = world.new_uuid()
        main = world.add_portfolio("Default", user_id, _demo_balances(world.rng, 1))
        desk = world.add_portfolio("Market making", user_id, _demo_balances(world.rng, 2))
        bot = world.add_portfolio("EdDSA bot", user_id, _demo_balances(world.rng, 3))
        world.add_portfolio("Long-term savings", user_id, _demo_balances(world.rng, 4))
        key_rng = random.Random(f"sandbox-keys:{seed}")
        demo = [
            ("demo-view-only", "ES256", ["view"], main.uuid, []),
            ("demo-trading", "ES256", ["view", "trade"], main.uuid, []),
            ("demo-ip-restricted", "ES256", ["view", "trade"], desk.uuid, ["203.0.113.10"]),
            ("demo-eddsa", "EdDSA", ["view", "trade", "transfer"], bot.uuid, []),
        ]
        for nickname, algorithm, permissions, portfolio_uuid, ips in demo:
            key, secret = world.add_key(algorithm=algorithm, permissions=permissions,
                                        portfolio_uuid=portfolio_uuid, user_id=user_id,
                                        allowed_ips=ips, nickname=nickname, rng=key_rng)
            world.demo_secrets.append({**key.public_view(), "private_key": secret})
        for portfolio in (main, desk, bot):
            _seed_history(world, portfolio, count=300)
        return world


def _demo_balances(rng: random.Random, salt: int) -> dict[str, Decimal]:
    balances = {"USD": Decimal(25000 * salt), "EUR": Decimal(1500), "USDC": Decimal(2000)}
    for currency in CURRENCIES[3:]:
        usd = Decimal(rng.randrange(0, 4000))
        price = reference_price(PRODUCTS_BY_ID[f"{currency}-USD"], 0, 0)
        balances[currency] = quantize(usd / price, Decimal("0.00000001"))
    balances["BTC"] = Decimal("1.25")
    balances["ETH"] = Decimal("8.5")
    return balances


_HISTORY_WEIGHTS = {"BTC-USD": 30, "ETH-USD": 20, "SOL-USD": 10}


def _seed_history(world: World, portfolio: Portfolio, count: int) -> None:
    """A few hundred past orders over the last 90 days; most filled, some cancelled/expired."""
    rng = random.Random(f"sandbox-history:{world.seed}:{portfolio.name}")
    weights = [_HISTORY_WEIGHTS.get(p.product_id, 2) for p in PRODUCTS]
    for _ in range(count):
        product = rng.choices(PRODUCTS, weights=weights)[0]
        created = world.now - rng.uniform(3600, 90 * 86400)
        price = reference_price(product, created, world.seed)
        side = rng.choice(["BUY", "SELL"])
        usd_value = Decimal(rng.randrange(20, 2500))
        base_size = quantize(usd_value / (price * _quote_usd(product.quote)),
                             product.base_increment) or product.base_min_size
        market = rng.random() < 0.4
        if market:
            config_name, leaf = "market_market_ioc", {"base_size": str(base_size)}
            status = "FILLED"
        else:
            offset = Decimal(1 + rng.uniform(-0.01, 0.01))
            limit = quantize(price * offset, product.quote_increment)
            config_name = "limit_limit_gtc"
            leaf = {"base_size": str(base_size), "limit_price": str(limit), "post_only": False}
            status = rng.choices(["FILLED", "CANCELLED", "EXPIRED"], weights=[70, 22, 8])[0]
            price = limit
        order = Order(
            order_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            product_id=product.product_id, user_id=portfolio.user_id,
            portfolio_uuid=portfolio.uuid, side=side,
            client_order_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            order_type="MARKET" if market else "LIMIT", config_name=config_name,
            configuration={config_name: leaf}, created_time=created, status=status,
            time_in_force="IMMEDIATE_OR_CANCEL" if market else "GOOD_UNTIL_CANCELLED",
        )
        if status == "FILLED":
            parts = rng.randint(1, 3)
            remaining = base_size
            for part in range(parts):
                size = remaining if part == parts - 1 else quantize(
                    base_size / parts, product.base_increment)
                if size <= 0:
                    continue
                remaining -= size
                trade_time = created + rng.uniform(0.05, 30 if market else 3600)
                fee_rate = TAKER_FEE if market else MAKER_FEE
                record_fill(world, order, price, size, fee_rate, trade_time,
                            str(uuid.UUID(int=rng.getrandbits(128), version=4)))
            order.end_time = order.last_fill_time
        else:
            order.end_time = created + rng.uniform(60, 86400)
            order.cancel_message = "User requested cancel" if status == "CANCELLED" else ""
        world.orders[order.order_id] = order


def _quote_usd(quote: str) -> Decimal:
    return USD_PRICE[quote]


def record_fill(world: World, order: Order, price: Decimal, size: Decimal, fee_rate: Decimal,
                trade_time: float, trade_id: str | None = None) -> Fill:
    """Add one fill to `order` (no balance movement; callers settle balances)."""
    value = price * size
    commission = (value * fee_rate).quantize(Decimal("0.0000000001"))
    fill = Fill(
        entry_id=world.new_uuid(), trade_id=trade_id or world.new_uuid(),
        order_id=order.order_id, trade_time=trade_time, price=price, size=size,
        commission=commission, product_id=order.product_id,
        liquidity_indicator="TAKER" if order.order_type == "MARKET" else "MAKER",
        user_id=order.user_id, side=order.side, portfolio_uuid=order.portfolio_uuid,
    )
    world.fills.append(fill)
    order.filled_size += size
    order.filled_value += value
    order.total_fees += commission
    order.number_of_fills += 1
    order.last_fill_time = trade_time
    return fill


def currency_name(code: str) -> str:
    return CURRENCY_NAMES.get(code, code)
