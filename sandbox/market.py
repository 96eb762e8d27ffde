"""The simulated market: a seeded random walk of prices, an order book per product, trades.

Synchronous and deterministic for a given seed and call sequence; the WebSocket layer calls
`step()` once a second and `churn()` to produce level2 updates.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.catalog import PRODUCTS, PRODUCTS_BY_ID, USD_PRICE, Product, quantize, reference_price

BOOK_LEVELS = 40


@dataclass
class Trade:
    trade_id: int
    product_id: str
    price: Decimal
    size: Decimal
    side: str  # the maker side
    time: float


@dataclass
class Book:
    product: Product
    bids: dict[Decimal, Decimal] = field(default_factory=dict)
    asks: dict[Decimal, Decimal] = field(default_factory=dict)

    def best_bid(self) -> tuple[Decimal, Decimal]:
        price = max(self.bids)
        return price, self.bids[price]

    def best_ask(self) -> tuple[Decimal, Decimal]:
        price = min(self.asks)
        return price, self.asks[price]

    def sorted_bids(self, limit: int | None = None):
        levels = sorted(self.bids.items(), reverse=True)
        return levels[:limit] if limit else levels

    def sorted_asks(self, limit: int | None = None):
        levels = sorted(self.asks.items())
        return levels[:limit] if limit else levels


class Market:
    def __init__(self, seed: int, now: float | None = None):
        self.seed = seed
        self.rng = random.Random(f"sandbox-market:{seed}")
        now = time.time() if now is None else now
        self.open_24h = {p.product_id: reference_price(p, now - 86400, seed) for p in PRODUCTS}
        self.prices = {p.product_id: reference_price(p, now, seed) for p in PRODUCTS}
        self.books = {p.product_id: self._build_book(p) for p in PRODUCTS}
        self.trades: dict[str, list[Trade]] = {p.product_id: [] for p in PRODUCTS}
        self.volume_24h = {
            p.product_id: quantize(Decimal(self.rng.uniform(5e5, 5e7)) / self.prices[p.product_id],
                                   p.base_increment)
            for p in PRODUCTS
        }
        self._trade_id = 10_000_000
        for product in PRODUCTS:
            for _ in range(30):
                self._trade(product, now - self.rng.uniform(1, 600))
            self.trades[product.product_id].sort(key=lambda t: t.time)

    # -- reading -----------------------------------------------------------------------------
    def price(self, product_id: str) -> Decimal:
        return self.prices[product_id]

    def usd_price(self, currency: str) -> Decimal:
        if currency == "USD":
            return Decimal(1)
        product_id = f"{currency}-USD"
        if product_id in self.prices:
            return self.prices[product_id]
        return USD_PRICE.get(currency, Decimal(0))

    def change_pct(self, product_id: str) -> Decimal:
        opening = self.open_24h[product_id]
        return ((self.prices[product_id] - opening) / opening * 100).quantize(Decimal("0.01"))

    # -- moving ------------------------------------------------------------------------------
    def step(self, now: float | None = None) -> dict[str, list[dict]]:
        """Advance every price one random-walk step; rebuild books; return level2 diffs."""
        now = time.time() if now is None else now
        diffs = {}
        for product in PRODUCTS:
            pid = product.product_id
            drift = Decimal(self.rng.gauss(0, 0.0008))
            new_price = quantize(self.prices[pid] * (1 + drift), product.quote_increment)
            self.prices[pid] = max(new_price, product.quote_increment)
            old = self.books[pid]
            new = self._build_book(product)
            diffs[pid] = _diff(old, new)
            self.books[pid] = new
            if self.rng.random() < 0.7:
                self._trade(product, now)
        return diffs

    def churn(self, product_id: str) -> list[tuple[str, Decimal, Decimal]]:
        """Change one or two resting levels' sizes; returns (side, price, new_quantity)."""
        book = self.books[product_id]
        changes = []
        for _ in range(self.rng.randint(1, 2)):
            side, levels = ("bid", book.bids) if self.rng.random() < 0.5 else ("offer", book.asks)
            price = self.rng.choice(list(levels))
            size = quantize(levels[price] * Decimal(self.rng.uniform(0.5, 1.5)),
                            book.product.base_increment) or book.product.base_min_size
            levels[price] = size
            changes.append((side, price, size))
        return changes

    def take(self, product_id: str, side: str, base_size: Decimal | None = None,
             quote_budget: Decimal | None = None, limit_price: Decimal | None = None,
             record: bool = True) -> list[tuple[Decimal, Decimal]]:
        """Walk the book for a taker order; returns [(price, size)] consumed (book restocks)."""
        book = self.books[product_id]
        levels = book.sorted_asks() if side == "BUY" else book.sorted_bids()
        increment = book.product.base_increment
        executions = []
        for price, size in levels:
            if limit_price is not None and (
                    price > limit_price if side == "BUY" else price < limit_price):
                break
            if base_size is not None:
                if base_size <= 0:
                    break
                take = min(size, base_size)
                base_size -= take
            else:
                if quote_budget <= 0:
                    break
                take = min(size, quantize(quote_budget / price, increment))
                quote_budget -= take * price
            if take > 0:
                executions.append((price, take))
        for price, take in executions if record else []:
            self._trade(book.product, time.time(), price=price, size=take,
                        maker_side="SELL" if side == "BUY" else "BUY")
        return executions

    # -- internals ---------------------------------------------------------------------------
    def _build_book(self, product: Product) -> Book:
        mid = self.prices[product.product_id]
        tick = max(product.quote_increment, quantize(mid * Decimal("0.0002"),
                                                     product.quote_increment))
        book = Book(product)
        rng = random.Random(f"{self.seed}:{product.product_id}:{mid}")
        for level in range(1, BOOK_LEVELS + 1):
            usd = Decimal(rng.uniform(200, 25000))
            size = quantize(usd / self.usd_price(product.base) if product.quote != "USD"
                            else usd / mid, product.base_increment) or product.base_min_size
            book.bids[quantize(mid - tick * level, product.quote_increment)] = size
            book.asks[quantize(mid + tick * level, product.quote_increment)] = size
        book.bids.pop(Decimal(0), None)
        return book

    def _trade(self, product: Product, when: float, price: Decimal | None = None,
               size: Decimal | None = None, maker_side: str | None = None) -> Trade:
        self._trade_id += 1
        book = self.books[product.product_id]
        maker_side = maker_side or self.rng.choice(["BUY", "SELL"])
        if price is None:
            price = book.best_bid()[0] if maker_side == "BUY" else book.best_ask()[0]
        if size is None:
            size = quantize(Decimal(self.rng.uniform(20, 3000)) / self.prices[product.product_id],
                            product.base_increment) or product.base_min_size
        trade = Trade(self._trade_id, product.product_id, price, size, maker_side, when)
        trades = self.trades[product.product_id]
        trades.append(trade)
        del trades[:-500]
        self.volume_24h[product.product_id] += size
        return trade


def _diff(old: Book, new: Book) -> list[tuple[str, Decimal, Decimal]]:
    changes = []
    for side, before, after in (("bid", old.bids, new.bids), ("offer", old.asks, new.asks)):
        for price in before.keys() - after.keys():
            changes.append((side, price, Decimal(0)))
        for price, size in after.items():
            if before.get(price) != size:
                changes.append((side, price, size))
    return changes


def product(product_id: str) -> Product | None:
    return PRODUCTS_BY_ID.get(product_id)
