"""The sandbox's static market catalogue: currencies, products and a deterministic price curve.

`reference_price(product, t)` is a smooth, seeded function of time; historical orders, fills and
candles are drawn from it, and the live random walk starts from it, so the same `--seed` gives
the same market.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

# (code, name, start price in USD)
CRYPTO = [
    ("BTC", "Bitcoin", "64250.00"),
    ("ETH", "Ethereum", "3180.00"),
    ("SOL", "Solana", "148.50"),
    ("ADA", "Cardano", "0.4521"),
    ("DOGE", "Dogecoin", "0.1237"),
    ("LTC", "Litecoin", "81.20"),
    ("LINK", "Chainlink", "14.12"),
    ("DOT", "Polkadot", "6.48"),
    ("AVAX", "Avalanche", "28.35"),
    ("XLM", "Stellar", "0.1104"),
    ("ATOM", "Cosmos", "8.02"),
    ("UNI", "Uniswap", "7.51"),
    ("AAVE", "Aave", "95.40"),
    ("XRP", "XRP", "0.5217"),
    ("BCH", "Bitcoin Cash", "381.60"),
    ("ETC", "Ethereum Classic", "22.14"),
    ("FIL", "Filecoin", "4.83"),
    ("ALGO", "Algorand", "0.1512"),
    ("SHIB", "Shiba Inu", "0.00001812"),
    ("NEAR", "NEAR Protocol", "5.21"),
    ("POL", "Polygon", "0.5530"),
]
FIAT = [("USD", "US Dollar"), ("EUR", "Euro")]
STABLE = [("USDC", "USD Coin")]
CURRENCY_NAMES = {code: name for code, name, *_ in CRYPTO} | dict(FIAT) | dict(STABLE)
USD_PRICE = {code: Decimal(price) for code, _name, price in CRYPTO} | {
    "USD": Decimal(1), "USDC": Decimal(1), "EUR": Decimal("1.08"),
}


@dataclass(frozen=True)
class Product:
    product_id: str
    base: str
    quote: str
    start_price: Decimal
    base_increment: Decimal
    quote_increment: Decimal

    @property
    def base_min_size(self) -> Decimal:
        return self.base_increment * 100 if self.base_increment < 1 else self.base_increment

    @property
    def quote_min_size(self) -> Decimal:
        return Decimal("1")


def _increments(price: Decimal) -> tuple[Decimal, Decimal]:
    exponent = math.floor(math.log10(float(price)))
    quote_inc = min(Decimal("0.01"), Decimal(10) ** (exponent - 4))
    if price >= 100:
        base_inc = Decimal("0.00000001")
    elif price >= 1:
        base_inc = Decimal("0.0001")
    elif price >= Decimal("0.001"):
        base_inc = Decimal("0.1")
    else:
        base_inc = Decimal("1")
    return base_inc, quote_inc


def _make_products() -> list[Product]:
    products = []
    for code, _name, price in CRYPTO:
        base_inc, quote_inc = _increments(Decimal(price))
        products.append(Product(f"{code}-USD", code, "USD", Decimal(price), base_inc, quote_inc))
    extra = [
        ("BTC", "EUR", Decimal("59490.00")),
        ("ETH", "EUR", Decimal("2944.00")),
        ("BTC", "USDC", Decimal("64252.00")),
        ("ETH", "BTC", Decimal("0.04949")),
    ]
    for base, quote, price in extra:
        base_inc, quote_inc = _increments(price)
        if quote == "BTC":
            quote_inc = Decimal("0.00001")
        products.append(Product(f"{base}-{quote}", base, quote, price, base_inc, quote_inc))
    return products


PRODUCTS: list[Product] = _make_products()
PRODUCTS_BY_ID = {p.product_id: p for p in PRODUCTS}
CURRENCIES = [code for code, *_ in FIAT] + [code for code, *_ in STABLE] + [c for c, *_ in CRYPTO]

_DAY = 86400.0


def _phase(seed: int, product_id: str, salt: str) -> float:
    digest = hashlib.sha256(f"{seed}:{product_id}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 2 * math.pi


def reference_price(product: Product, t: float, seed: int) -> Decimal:
    """A smooth deterministic price curve (weekly, daily and hourly swings) for `product`."""
    wave = (
        0.06 * math.sin(2 * math.pi * t / (7 * _DAY) + _phase(seed, product.product_id, "w"))
        + 0.02 * math.sin(2 * math.pi * t / _DAY + _phase(seed, product.product_id, "d"))
        + 0.006 * math.sin(2 * math.pi * t / 3600 + _phase(seed, product.product_id, "h"))
    )
    return quantize(product.start_price * Decimal(math.exp(wave)), product.quote_increment)


def deterministic_fraction(*parts: object) -> float:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def quantize(value: Decimal, increment: Decimal) -> Decimal:
    return (value / increment).to_integral_value(rounding=ROUND_DOWN) * increment


def fmt(value: Decimal) -> str:
    """Decimal → the plain string form the API uses (no exponent)."""
    text = format(value, "f")
    return text if text != "-0" else "0"
