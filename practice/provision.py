"""Building (and tearing down) one attempt's own world on the sandbox.

Each attempt gets its own key, its own portfolio with the scenario's balances and open
orders, and faults scoped to its key, all through the sandbox control API. Nothing global
is switched, so parallel trainees, the demo keys and other tests never see each other's
faults or funds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from practice.setup import ScenarioSetup


class ProvisionError(RuntimeError):
    """The sandbox refused or could not be reached; the message is safe to show."""


@dataclass
class Provisioned:
    key_name: str
    key_secret: str = field(repr=False)
    portfolio_uuid: str = ""
    case_portfolio_id: str = ""
    extra_key_names: list[str] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)

    @property
    def all_key_names(self) -> list[str]:
        return [self.key_name, *self.extra_key_names]


def provision_world(*, setup: ScenarioSetup, control) -> Provisioned:
    """Create the scenario's key, balances, open orders and per-key faults.

    `control` is a `sandbox.client.SandboxControl`. The order matters: orders are placed
    before faults switch on (a 429 storm or a revoked key would refuse them).
    """
    try:
        key = control.create_key(
            algorithm=setup.key.algorithm,
            permissions=list(setup.key.permissions),
            allowed_ips=list(setup.key.allowed_ips) if setup.key.allowed_ips else None,
        )
        world = Provisioned(
            key_name=key["key_name"],
            key_secret=key["private_key"],
            portfolio_uuid=key["portfolio_uuid"],
        )
        world.case_portfolio_id = world.portfolio_uuid
        if setup.case_portfolio == "other":
            # A second portfolio the customer believes the key trades from.
            other = control.create_key(algorithm="ES256", permissions=["view"])
            world.extra_key_names.append(other["key_name"])
            world.case_portfolio_id = other["portfolio_uuid"]
            control.set_balances(other["portfolio_uuid"], {"USD": "250000"})
        if setup.balances:
            control.set_balances(world.portfolio_uuid, dict(setup.balances))
        for order in setup.open_orders:
            placed = _place_with_order_key(control, setup, world, order)
            world.order_ids.append(placed)
        if setup.faults:
            control.set_faults(key_name=world.key_name, **setup.faults)
        if setup.revoke_key:
            control.set_faults(revoked_keys=[world.key_name])
    except ProvisionError:
        raise
    except Exception as exc:  # noqa: BLE001 - any client failure becomes one clear message
        raise ProvisionError(f"The sandbox could not set up this scenario: {exc}") from exc
    return world


def _place_with_order_key(control, setup: ScenarioSetup, world: Provisioned, order) -> str:
    """Place a resting limit order in the attempt's portfolio.

    A view-only key cannot trade, so orders for such a scenario go through a helper
    trading key in the same portfolio.
    """
    key = {"key_name": world.key_name, "private_key": world.key_secret}
    if "trade" not in setup.key.permissions or setup.key.allowed_ips:
        key = control.create_key(
            algorithm="ES256", permissions=["view", "trade"], portfolio=world.portfolio_uuid
        )
        world.extra_key_names.append(key["key_name"])
    body = {
        "client_order_id": secrets.token_hex(16),
        "product_id": order.product_id,
        "side": order.side,
        "order_configuration": {
            "limit_limit_gtc": {
                "base_size": order.base_size, "limit_price": order.limit_price,
                "post_only": False,
            }
        },
    }
    response = control.rest(key, "POST", "/orders", body=body)
    data = response.json() if response.status_code == 200 else {}
    if not data.get("success"):
        raise ProvisionError(
            f"The sandbox refused the scenario's open order: {response.status_code} "
            f"{response.text[:200]}"
        )
    return data["success_response"]["order_id"]


def teardown_world(*, control, key_names: list[str]) -> None:
    """Clear the attempt's per-key faults; the keys' worlds stay for the scorecard."""
    for name in key_names:
        try:
            control.clear_faults(key_name=name)
        except Exception:  # noqa: BLE001, S112 - a sandbox restart already cleared them
            continue
