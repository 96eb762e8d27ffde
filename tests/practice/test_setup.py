import pytest

from practice.library import SCENARIOS
from practice.setup import SetupError, parse_setup


def test_empty_setup_gets_defaults():
    setup = parse_setup({})
    assert setup.key.algorithm == "ES256"
    assert setup.key.permissions == ("view", "trade")
    assert setup.product_id == "BTC-USD"
    assert setup.customer.jwt is None


@pytest.mark.parametrize(
    "data", [s["setup"] for s in SCENARIOS], ids=[s["slug"] for s in SCENARIOS]
)
def test_every_library_setup_is_valid(data):
    """Each seeded setup parses, and what it asks of the key is what the parser kept."""
    setup = parse_setup(data)
    wanted = data.get("key", {})
    if "permissions" in wanted:
        assert set(setup.key.permissions) == set(wanted["permissions"])
    if "allowed_ips" in wanted:
        assert list(setup.key.allowed_ips) == wanted["allowed_ips"]


def test_customer_jwt_uri_is_built_from_its_parts():
    setup = parse_setup({"customer": {"jwt": {"path": "/api/v3/brokerage/orders/historical/fills",
                                              "query": "limit=5", "host": "api.coinbase.com"}}})
    assert setup.customer.jwt.uri == (
        "GET api.coinbase.com/api/v3/brokerage/orders/historical/fills?limit=5"
    )
    assert parse_setup({"customer": {"jwt": {"kind": "ws"}}}).customer.jwt.uri is None


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"key": {"algorithm": "RS256"}}, "key.algorithm"),
        ({"key": {"permissions": ["admin"]}}, "key.permissions"),
        ({"key": {"allowed_ips": ["not-an-ip"]}}, "key.allowed_ips[0]"),
        ({"balances": {"usd!": "1"}}, "balances.usd!"),
        ({"balances": {"USD": "-5"}}, "balances.USD"),
        ({"balances": {"USD": 1.5}}, "balances.USD"),
        ({"open_orders": [{"product_id": "BTCUSD", "side": "BUY", "base_size": "1",
                           "limit_price": "1"}]}, "open_orders[0].product_id"),
        ({"open_orders": [{"product_id": "BTC-USD", "base_size": "1", "limit_price": "1"}]},
         "open_orders[0].side"),
        ({"open_orders": [{"product_id": "BTC-USD", "side": "BUY", "base_size": "0",
                           "limit_price": "1"}]}, "open_orders[0].base_size"),
        ({"faults": {"latency_ms": -1}}, "faults.latency_ms"),
        ({"faults": {"ws_sequence_gap": "yes"}}, "faults.ws_sequence_gap"),
        ({"faults": {"meteor_strike": True}}, "faults.meteor_strike"),
        ({"intent": {"action": "steal"}}, "intent.action"),
        ({"intent": {"side": "BUY"}}, "intent.size"),
        ({"customer": {"jwt": {"kind": "grpc"}}}, "customer.jwt.kind"),
        ({"colour": "red"}, "setup.colour"),
    ],
)
def test_fail_bad_field_is_named(data, path):
    with pytest.raises(SetupError) as info:
        parse_setup(data)
    assert path in info.value.errors


def test_fail_not_an_object():
    with pytest.raises(SetupError) as info:
        parse_setup(["key"])
    assert info.value.errors == {"setup": "must be an object"}
