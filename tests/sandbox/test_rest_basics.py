"""REST basics over real sockets: time, key permissions, accounts and pagination, control API."""

from __future__ import annotations

import json

import pytest
import requests

pytestmark = pytest.mark.sandbox


def test_time_is_public_with_string_epochs_and_correlation_headers(sandbox):
    response = requests.get(f"{sandbox.base_url}/api/v3/brokerage/time", json={}, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"iso", "epochSeconds", "epochMillis"}
    assert isinstance(body["epochSeconds"], str) and body["iso"].endswith("Z")
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
        response.raw.headers.keys())
    request_id = response.headers["x-request-id"]
    assert response.headers["cf-ray"].endswith("-EMU")
    assert request_id in sandbox.log()


def test_sdk_lists_accounts_across_pages_and_reads_permissions(sandbox, sdk):
    key = sandbox.control.create_key(algorithm="ES256", permissions=["view"])
    client = sdk(key, rate_limit_headers=True)
    permissions = client.get_api_key_permissions()
    assert (permissions.can_view, permissions.can_trade) == (True, False)
    assert permissions.portfolio_uuid == key["portfolio_uuid"]

    seen, cursor, pages = [], None, 0
    while True:
        page = client.get_accounts(limit=7, cursor=cursor)
        pages += 1
        seen.extend(account.uuid for account in page.accounts)
        assert page.size == len(page.accounts)
        if not page.has_next:
            assert page.cursor == ""
            break
        cursor = page.cursor
    assert pages >= 3
    assert len(seen) == len(set(seen)) >= 20
    usd = next(a for a in client.get_accounts(limit=250).accounts if a.currency == "USD")
    assert usd.available_balance["value"] == "10000"
    one = client.get_account(usd.uuid)
    assert one.account.uuid == usd.uuid


def test_accounts_limit_is_capped_and_bad_cursor_is_invalid_argument(sandbox):
    key = sandbox.control.create_key(permissions=["view"])
    response = sandbox.control.rest(key, "GET", "/accounts", params={"limit": "1000"})
    assert response.status_code == 200
    assert response.json()["has_next"] is False
    response = sandbox.control.rest(key, "GET", "/accounts", params={"cursor": "bogus"})
    assert response.status_code == 400
    assert response.text == ('{"error":"INVALID_ARGUMENT","error_details":"invalid cursor",'
                             '"message":"invalid cursor"}')


def test_eddsa_key_is_accepted(sandbox, sdk):
    key = sandbox.control.create_key(algorithm="EdDSA", permissions=["view", "transfer"])
    assert "/" not in key["key_name"] and not key["private_key"].startswith("-----")
    permissions = sdk(key).get_api_key_permissions()
    assert permissions.can_transfer is True and permissions.can_trade is False


def test_control_api_validates_input(sandbox):
    control = sandbox.control
    with pytest.raises(Exception, match="algorithm"):
        control.create_key(algorithm="RS256")
    with pytest.raises(Exception, match="permissions"):
        control.create_key(permissions=["admin"])
    key = control.create_key()
    with pytest.raises(Exception, match="unknown currency"):
        control.set_balances(key["portfolio_uuid"], {"XYZ": "1"})
    with pytest.raises(Exception, match="unknown fault"):
        control.set_faults(key_name=key["key_name"], made_up=True)
    state = control.state()
    assert key["key_name"] in {k["key_name"] for k in state["keys"]}
    assert "private_key" not in json.dumps(state["keys"])
    assert len(state["demo_keys"]) == 4


def test_set_balances_shows_in_accounts(sandbox):
    key = sandbox.control.create_key(permissions=["view"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "1234.5", "SOL": "3"})
    accounts = sandbox.control.rest(key, "GET", "/accounts", params={"limit": 250}).json()
    balances = {a["currency"]: a["available_balance"]["value"] for a in accounts["accounts"]}
    assert balances["USD"] == "1234.5" and balances["SOL"] == "3"


def test_demo_keys_file_is_private_and_its_keys_work(sandbox):
    path = sandbox.log_path.parent / "demo-keys.json"
    assert path.stat().st_mode & 0o777 == 0o600
    demo = {k["nickname"]: k for k in json.loads(path.read_text())["keys"]}
    assert set(demo) == {"demo-view-only", "demo-trading", "demo-ip-restricted", "demo-eddsa"}
    control = sandbox.control
    assert control.rest(demo["demo-eddsa"], "GET", "/key_permissions").json()["can_transfer"]
    assert control.rest(demo["demo-view-only"], "POST", "/orders", body={}).status_code == 403
    assert control.rest(demo["demo-ip-restricted"], "GET", "/accounts").status_code == 401
    history = control.rest(demo["demo-trading"], "GET", "/orders/historical/batch").json()
    assert history["has_next"] is True and len(history["orders"]) == 100
