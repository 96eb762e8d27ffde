"""A small client for the sandbox: the control API plus signed REST calls for a sandbox key.

    control = SandboxControl("http://127.0.0.1:8701")
    key = control.create_key(algorithm="ES256", permissions=["view", "trade"])
    control.set_balances(key["portfolio_uuid"], {"USD": "1000"})
    control.set_faults(key_name=key["key_name"], latency_ms=200)
    order = control.place_resting_limit_order(key)   # a BUY far below the market
    control.clear_faults(key_name=key["key_name"])
"""

from __future__ import annotations

import secrets
from decimal import ROUND_DOWN, Decimal
from urllib.parse import urlsplit

import requests

from diagnostics import jwt_tools

REST_PREFIX = "/api/v3/brokerage"


class SandboxError(RuntimeError):
    def __init__(self, message: str, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body


def build_jwt(key_name: str, private_key: str, uri: str | None = None, *,
              now: float | None = None, lifetime: int = 120) -> str:
    """A CDP JWT as the official SDK builds it (`uri` for REST, none for WebSocket)."""
    return jwt_tools.build_jwt(key_name, private_key, uri=uri, now=now, lifetime=lifetime)


class SandboxControl:
    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self.timeout = timeout
        self.session = requests.Session()

    # -- control API -------------------------------------------------------------------------
    def _control(self, method: str, path: str, **kwargs) -> dict:
        response = self.session.request(method, f"{self.base_url}/_sandbox{path}",
                                        timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise SandboxError(f"{method} /_sandbox{path}: {response.status_code} "
                               f"{response.text}", response.status_code, response.text)
        return response.json()

    def create_key(self, algorithm: str = "ES256", permissions=("view", "trade"),
                   allowed_ips=None, portfolio: str | None = None) -> dict:
        """→ {"key_name", "private_key", "portfolio_uuid", "algorithm", "permissions", ...}"""
        body = {"algorithm": algorithm, "permissions": list(permissions)}
        if allowed_ips is not None:
            body["allowed_ips"] = list(allowed_ips)
        if portfolio is not None:
            body["portfolio"] = portfolio
        return self._control("POST", "/keys", json=body)

    def set_balances(self, portfolio_uuid: str, balances: dict) -> dict:
        return self._control("PUT", f"/portfolios/{portfolio_uuid}/balances",
                             json={k: str(v) for k, v in balances.items()})

    def set_faults(self, key_name: str | None = None, **faults) -> dict:
        body = dict(faults)
        if key_name is not None:
            body["key_name"] = key_name
        return self._control("POST", "/faults", json=body)

    def clear_faults(self, key_name: str | None = None) -> dict:
        params = {"key_name": key_name} if key_name else None
        return self._control("DELETE", "/faults", params=params)

    def reset(self) -> dict:
        return self._control("POST", "/reset")

    def state(self) -> dict:
        return self._control("GET", "/state")

    # -- signed REST calls for a sandbox key -------------------------------------------------
    def rest(self, key: dict, method: str, path: str, *, params=None, body=None,
             host: str | None = None) -> requests.Response:
        """One REST call signed for `key` (a dict from `create_key`); path below /brokerage."""
        full_path = f"{REST_PREFIX}{path}"
        token = build_jwt(key["key_name"], key["private_key"],
                          f"{method} {host or self.host}{full_path}")
        return self.session.request(method, f"{self.base_url}{full_path}", params=params,
                                    json=body if body is not None else {},
                                    headers={"Authorization": f"Bearer {token}"},
                                    timeout=self.timeout)

    def place_resting_limit_order(self, key: dict, product_id: str = "BTC-USD",
                                  side: str = "BUY", base_size: str = "0.001",
                                  distance: float = 0.5) -> dict:
        """Place a GTC limit order `distance` away from the market so it rests (holds funds).

        Returns the create-order response body; raises SandboxError when not accepted.
        """
        # The key's own (per-key limited) product endpoint, not the per-IP public one that
        # other clients on this machine share.
        response = self.rest(key, "GET", f"/products/{product_id}")
        if response.status_code != 200:
            raise SandboxError(f"product {product_id}: HTTP {response.status_code}")
        product = response.json()
        price = Decimal(product["price"])
        factor = Decimal(str(1 - distance if side == "BUY" else 1 + distance))
        increment = Decimal(product["quote_increment"])
        limit = (price * factor / increment).to_integral_value(ROUND_DOWN) * increment
        body = {
            "client_order_id": secrets.token_hex(16),
            "product_id": product_id,
            "side": side,
            "order_configuration": {"limit_limit_gtc": {
                "base_size": base_size, "limit_price": format(limit, "f"), "post_only": False,
            }},
        }
        response = self.rest(key, "POST", "/orders", body=body)
        data = response.json() if response.status_code == 200 else {}
        if not data.get("success"):
            raise SandboxError(f"order not accepted: {response.status_code} {response.text}",
                               response.status_code, response.text)
        return data
