"""Provisioning practice worlds on the real sandbox (a subprocess on real sockets)."""

from decimal import Decimal

import pytest

from practice.library import SCENARIOS
from practice.provision import provision_world, teardown_world
from practice.setup import parse_setup

pytestmark = pytest.mark.sandbox
BY_SLUG = {s["slug"]: s for s in SCENARIOS}


def setup_of(slug):
    return parse_setup(BY_SLUG[slug]["setup"])


def accounts(control, world):
    key = {"key_name": world.key_name, "private_key": world.key_secret}
    response = control.rest(key, "GET", "/accounts", params={"limit": 250})
    return response, {
        a["currency"]: a for a in (response.json().get("accounts", [])
                                   if response.status_code == 200 else [])
    }


def test_funds_scenario_gets_its_own_balances_and_a_resting_order(sandbox):
    world = provision_world(setup=setup_of("funds-on-hold"), control=sandbox.control)
    response, by_currency = accounts(sandbox.control, world)
    assert response.status_code == 200
    usd = by_currency["USD"]
    assert Decimal(usd["hold"]["value"]) >= Decimal("950")
    assert Decimal(usd["available_balance"]["value"]) <= Decimal("50")
    assert len(world.order_ids) == 1
    assert world.case_portfolio_id == world.portfolio_uuid


def test_view_only_scenario_places_its_order_through_a_helper_key(sandbox):
    data = {"key": {"permissions": ["view"]}, "balances": {"USD": "1000"},
            "open_orders": [{"product_id": "BTC-USD", "side": "BUY", "base_size": "0.01",
                             "limit_price": "10000"}]}
    world = provision_world(setup=parse_setup(data), control=sandbox.control)
    assert len(world.extra_key_names) == 1
    key = {"key_name": world.key_name, "private_key": world.key_secret}
    perms = sandbox.control.rest(key, "GET", "/key_permissions").json()
    assert perms["can_trade"] is False
    assert perms["portfolio_uuid"] == world.portfolio_uuid
    _, by_currency = accounts(sandbox.control, world)
    assert Decimal(by_currency["USD"]["hold"]["value"]) >= Decimal("100")


def test_other_portfolio_scenario_names_a_second_portfolio(sandbox):
    world = provision_world(setup=setup_of("funds-wrong-portfolio"), control=sandbox.control)
    assert world.case_portfolio_id and world.case_portfolio_id != world.portfolio_uuid


def test_faults_and_revocation_are_scoped_to_the_attempt_key(sandbox):
    storm = provision_world(setup=setup_of("pagination-429-storm"), control=sandbox.control)
    revoked = provision_world(
        setup=setup_of("keys-revoked-after-rotation"), control=sandbox.control
    )
    calm = provision_world(setup=setup_of("keys-exchange-host"), control=sandbox.control)
    state = sandbox.control.state()
    assert state["faults"]["global"] == {}
    assert state["faults"]["per_key"][storm.key_name] == {"rate_limit_storm": True}
    assert revoked.key_name in state["faults"]["revoked_keys"]

    assert accounts(sandbox.control, storm)[0].status_code == 429
    assert accounts(sandbox.control, revoked)[0].status_code == 401
    assert accounts(sandbox.control, calm)[0].status_code == 200

    teardown_world(control=sandbox.control, key_names=storm.all_key_names)
    teardown_world(control=sandbox.control, key_names=revoked.all_key_names)
    assert accounts(sandbox.control, storm)[0].status_code == 200
    state = sandbox.control.state()
    assert storm.key_name not in state["faults"]["per_key"]
    assert revoked.key_name not in state["faults"]["revoked_keys"]
