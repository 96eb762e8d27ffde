"""JWT acceptance and refusal, scopes and IP allowlists, over real sockets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
import requests
from coinbase import jwt_generator
from coinbase.rest import RESTClient
from cryptography.hazmat.primitives.asymmetric import ec

from diagnostics import jwt_tools
from diagnostics.jwt_tools import load_private_key
from sandbox.client import build_jwt

pytestmark = pytest.mark.sandbox
PATH = "/api/v3/brokerage/key_permissions"
MISSING_SCOPES = ('{"error":"PERMISSION_DENIED","error_details":"Missing required scopes",'
                  '"message":"Missing required scopes"}')


@pytest.fixture(scope="module")
def keys(sandbox_server):
    control = sandbox_server.control
    return {
        "es": control.create_key(algorithm="ES256", permissions=["view", "trade"]),
        "ed": control.create_key(algorithm="EdDSA", permissions=["view"]),
        "other": control.create_key(algorithm="ES256", permissions=["view"]),
        "view": control.create_key(algorithm="ES256", permissions=["view"]),
    }


def call(sandbox, token, path=PATH, method="GET"):
    return requests.request(method, f"{sandbox.base_url}{path}", json={},
                            headers={"Authorization": f"Bearer {token}"}, timeout=5)


def assert_refused(response):
    assert response.status_code == 401
    assert response.text == "Unauthorized"
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("which", ["es", "ed"])
def test_sdk_jwt_generator_tokens_are_accepted(sandbox, keys, which):
    key = keys[which]
    token = jwt_generator.build_rest_jwt(f"GET {sandbox.host}{PATH}", key["key_name"],
                                         key["private_key"])
    response = call(sandbox, token)
    assert response.status_code == 200, response.text
    assert response.json()["portfolio_uuid"] == key["portfolio_uuid"]


def test_project_jwt_builder_tokens_are_accepted(sandbox, keys):
    key = keys["es"]
    uri = jwt_tools.rest_uri("GET", sandbox.base_url, PATH)
    response = call(sandbox, jwt_tools.build_jwt(key["key_name"], key["private_key"], uri=uri))
    assert response.status_code == 200


def test_query_string_is_not_part_of_uri(sandbox, keys):
    key = keys["es"]
    path = "/api/v3/brokerage/accounts"
    good = build_jwt(key["key_name"], key["private_key"], f"GET {sandbox.host}{path}")
    response = requests.get(f"{sandbox.base_url}{path}?limit=2", json={}, timeout=5,
                            headers={"Authorization": f"Bearer {good}"})
    assert response.status_code == 200 and response.json()["size"] == 2
    signed_query = build_jwt(key["key_name"], key["private_key"],
                             f"GET {sandbox.host}{path}?limit=2")
    assert_refused(requests.get(f"{sandbox.base_url}{path}?limit=2", json={}, timeout=5,
                                headers={"Authorization": f"Bearer {signed_query}"}))


@pytest.mark.parametrize("uri", [
    "GET api.coinbase.com" + PATH,          # the production host instead of the one called
    "POST {host}" + PATH,                   # wrong method
    "GET {host}/api/v3/brokerage/accounts",  # wrong path
    "GET https://{host}" + PATH,            # scheme included
])
def test_wrong_uri_is_refused(sandbox, keys, uri):
    key = keys["es"]
    assert_refused(call(sandbox, build_jwt(key["key_name"], key["private_key"],
                                           uri.format(host=sandbox.host))))


def test_expired_and_not_yet_valid_tokens_are_refused(sandbox, keys):
    key = keys["es"]
    uri = f"GET {sandbox.host}{PATH}"
    assert_refused(call(sandbox, build_jwt(key["key_name"], key["private_key"], uri,
                                           now=time.time() - 300)))
    assert_refused(call(sandbox, build_jwt(key["key_name"], key["private_key"], uri,
                                           now=time.time() + 60)))
    assert_refused(call(sandbox, build_jwt(key["key_name"], key["private_key"], uri,
                                           lifetime=3600)))
    assert "not valid yet" in sandbox.log() and "expired" in sandbox.log()


def test_token_signed_by_another_key_is_refused(sandbox, keys):
    victim, attacker = keys["es"], keys["other"]
    claims = {"sub": victim["key_name"], "iss": "cdp", "nbf": int(time.time()),
              "exp": int(time.time()) + 120, "uri": f"GET {sandbox.host}{PATH}"}
    token = jwt.encode(claims, load_private_key(attacker["private_key"]), algorithm="ES256",
                       headers={"kid": victim["key_name"], "nonce": "ab" * 32})
    assert_refused(call(sandbox, token))
    stranger = ec.generate_private_key(ec.SECP256R1())
    assert_refused(call(sandbox, jwt.encode(claims, stranger, algorithm="ES256",
                                            headers={"kid": victim["key_name"]})))


def test_kid_different_from_sub_is_refused(sandbox, keys):
    key, other = keys["es"], keys["other"]
    claims = {"sub": other["key_name"], "iss": "cdp", "nbf": int(time.time()),
              "exp": int(time.time()) + 120, "uri": f"GET {sandbox.host}{PATH}"}
    token = jwt.encode(claims, load_private_key(key["private_key"]), algorithm="ES256",
                       headers={"kid": key["key_name"]})
    assert_refused(call(sandbox, token))


def test_alg_none_and_hs256_are_refused(sandbox, keys):
    key = keys["es"]
    claims = {"sub": key["key_name"], "iss": "cdp", "nbf": int(time.time()),
              "exp": int(time.time()) + 120, "uri": f"GET {sandbox.host}{PATH}"}

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    none_token = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': key['key_name']})}.{b64(claims)}."
    assert_refused(call(sandbox, none_token))
    public_pem = next(k["public_key"] for k in sandbox.control.state()["keys"]
                      if k["key_name"] == key["key_name"])
    # The classic algorithm-confusion forgery: HMAC keyed with the public key's PEM.
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': key['key_name']})}.{b64(claims)}"
    mac = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    hs_token = f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    assert_refused(call(sandbox, hs_token))


def test_missing_or_malformed_authorization_is_refused(sandbox):
    assert_refused(requests.get(f"{sandbox.base_url}{PATH}", json={}, timeout=5))
    assert_refused(call(sandbox, "not-a-jwt"))


def test_view_only_key_gets_the_sdks_missing_scopes_error(sandbox, keys, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.ca_path)
    key = keys["view"]
    client = RESTClient(api_key=key["key_name"], api_secret=key["private_key"],
                        base_url=sandbox.tls_host, timeout=10)
    with pytest.raises(requests.HTTPError) as caught:
        client.market_order_buy(client_order_id="", product_id="BTC-USD", quote_size="10")
    assert str(caught.value).startswith("403 Client Error: Missing Required Scopes")
    assert caught.value.response.text == MISSING_SCOPES


def test_ip_allowlist(sandbox):
    control = sandbox.control
    outside = control.create_key(permissions=["view"], allowed_ips=["203.0.113.0/24"])
    assert_refused(control.rest(outside, "GET", "/key_permissions"))
    assert "not allowlisted" in sandbox.log()
    inside = control.create_key(permissions=["view"], allowed_ips=["127.0.0.1"])
    assert control.rest(inside, "GET", "/key_permissions").status_code == 200


def test_public_endpoints_need_no_jwt_and_ignore_a_sent_one(sandbox, keys):
    response = requests.get(f"{sandbox.base_url}/api/v3/brokerage/market/products/BTC-USD",
                            json={}, timeout=5)
    assert response.status_code == 200 and response.json()["product_id"] == "BTC-USD"
    private = requests.get(f"{sandbox.base_url}/api/v3/brokerage/products/BTC-USD", json={},
                           timeout=5)
    assert_refused(private)
