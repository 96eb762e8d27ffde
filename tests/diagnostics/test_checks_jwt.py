"""jwt.inspect: every JWT_* code from a crafted token; official SDK tokens inspect clean.
The server clock is given (options.server_time), so these tests need no network."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from coinbase import jwt_generator
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostics import jwt_tools
from diagnostics.checks import Credentials, RunContext, Status, run_check

KEY_NAME = ("organizations/0b4e3c2a-1111-4222-8333-444455556666/apiKeys/"
            "9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff")
URI = "GET api.coinbase.com/api/v3/brokerage/accounts"


def ec_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def ed_b64() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    return base64.b64encode(seed + public).decode()


EC_SECRET = ec_pem()
ED_SECRET = ed_b64()


def ctx(token: str, **kwargs) -> RunContext:
    options = {"server_time": kwargs.pop("server_time", time.time())}
    options.update(kwargs.pop("options", {}))
    return RunContext(rest_base="https://api.coinbase.com", ws_market_url="", ws_user_url="",
                      customer_jwt=token, options=options, **kwargs)


def craft(header: dict | None = None, claims: dict | None = None, *, drop_header=(),
          drop_claims=(), secret: str = EC_SECRET, algorithm: str = "ES256") -> str:
    now = int(time.time())
    base_claims = {"sub": KEY_NAME, "iss": "cdp", "nbf": now, "exp": now + 120, "uri": URI}
    base_claims.update(claims or {})
    for name in drop_claims:
        base_claims.pop(name, None)
    base_header = {"kid": KEY_NAME, "nonce": "ab" * 32}
    base_header.update(header or {})
    for name in drop_header:
        base_header.pop(name, None)
    key = jwt_tools.load_private_key(secret) if algorithm in ("ES256", "EdDSA") else secret
    return jwt.encode(base_claims, key, algorithm=algorithm, headers=base_header)


def unsigned(header: dict, claims: dict) -> str:
    def seg(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{seg(header)}.{seg(claims)}."


def codes_of(token: str, **kwargs) -> list[str]:
    return run_check("jwt.inspect", ctx(token, **kwargs)).codes


@pytest.mark.parametrize("secret", [EC_SECRET, ED_SECRET], ids=["ES256", "EdDSA"])
def test_official_sdk_rest_token_inspects_clean(secret):
    token = jwt_generator.build_rest_jwt(URI, KEY_NAME, secret)
    result = run_check("jwt.inspect", ctx(token, customer_request="GET /api/v3/brokerage/accounts",
                                          credentials=Credentials(KEY_NAME, secret)))
    assert result.status == Status.PASS, result.codes
    assert result.codes == []
    assert result.details["signature"].startswith("verified")
    assert result.details["use"] == "rest"


@pytest.mark.parametrize("secret", [EC_SECRET, ED_SECRET], ids=["ES256", "EdDSA"])
def test_official_sdk_websocket_token_inspects_clean(secret):
    token = jwt_generator.build_ws_jwt(KEY_NAME, secret)
    result = run_check("jwt.inspect", ctx(token, options={"jwt_use": "ws"}))
    assert result.status == Status.PASS
    assert result.codes == []


def test_our_own_builder_matches_the_sdk_shape():
    token = jwt_tools.build_jwt(KEY_NAME, ED_SECRET, uri=URI)
    decoded = jwt_tools.decode_unverified(token)
    assert decoded.header["alg"] == "EdDSA" and decoded.header["typ"] == "JWT"
    assert len(decoded.header["nonce"]) == 64
    assert decoded.claims["exp"] - decoded.claims["nbf"] == 120
    assert set(decoded.claims) == {"sub", "iss", "nbf", "exp", "uri"}
    assert codes_of(token, customer_request="GET /api/v3/brokerage/accounts") == []


@pytest.mark.parametrize("token", [
    "", "not-a-jwt", "a.b", "a.b.c.d", "!!!.###.$$$",
    base64.urlsafe_b64encode(b"[1,2]").decode().rstrip("=") + ".e30.sig",
])
def test_malformed_tokens(token):
    if not token:
        assert run_check("jwt.inspect", ctx(token)).status == Status.SKIPPED
        return
    result = run_check("jwt.inspect", ctx(token))
    assert result.codes == ["JWT_MALFORMED"]
    assert result.status == Status.FAIL


def test_non_integer_times_are_malformed():
    assert "JWT_MALFORMED" in codes_of(craft(claims={"nbf": "soon", "exp": 1.5}))


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_alg_none_and_hs256_are_refused_and_never_verified(alg):
    now = int(time.time())
    claims = {"sub": KEY_NAME, "iss": "cdp", "nbf": now, "exp": now + 120, "uri": URI}
    if alg == "none":
        token = unsigned({"alg": "none", "kid": KEY_NAME, "nonce": "x" * 64}, claims)
    else:
        # HS256 "signed" with the public key's PEM: the classic algorithm-confusion attack
        public_pem = jwt_tools.load_public_key(EC_SECRET).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        token = jwt.api_jws.PyJWS().encode(
            json.dumps(claims).encode(), public_pem.decode().encode()[:64], algorithm="HS256",
            headers={"kid": KEY_NAME, "nonce": "x" * 64})
    result = run_check("jwt.inspect", ctx(token, customer_request="GET /api/v3/brokerage/accounts",
                                          public_key_pem=EC_SECRET))
    assert "JWT_BAD_ALG" in result.codes
    assert not result.details["signature"].startswith("verified")


def test_eddsa_key_token_claiming_es256_is_a_bad_alg_and_bad_signature():
    good = craft(secret=ED_SECRET, algorithm="EdDSA")
    header, claims, sig = good.split(".")
    lying = base64.urlsafe_b64encode(json.dumps(
        {"alg": "ES256", "kid": KEY_NAME, "nonce": "ab" * 32, "typ": "JWT"}).encode()
    ).rstrip(b"=").decode()
    result = run_check("jwt.inspect", ctx(f"{lying}.{claims}.{sig}",
                                          credentials=Credentials(KEY_NAME, ED_SECRET)))
    assert {"JWT_BAD_ALG", "JWT_SIGNATURE_INVALID"} <= set(result.codes)


def test_header_and_claim_codes():
    assert "JWT_MISSING_KID" in codes_of(craft(drop_header=["kid"]))
    assert "JWT_KID_SUB_MISMATCH" in codes_of(craft(claims={"sub": "someone-else"}))
    assert "JWT_MISSING_NONCE" in codes_of(craft(drop_header=["nonce"]))
    legacy = run_check("jwt.inspect", ctx(craft(claims={"iss": "coinbase-cloud"})))
    assert "JWT_BAD_ISS" in legacy.codes
    assert any("1.4.1" in note for note in legacy.details["notes"])
    assert "KEY_NAME_FORMAT" in codes_of(craft(header={"kid": "my key"},
                                               claims={"sub": "my key"}))


def test_time_codes_use_the_given_server_clock():
    now = int(time.time())
    token = craft(claims={"nbf": now, "exp": now + 120})
    assert codes_of(token, server_time=now + 10) == []
    assert "JWT_EXPIRED" in codes_of(token, server_time=now + 121)
    assert "JWT_NOT_YET_VALID" in codes_of(token, server_time=now - 30)
    long_lived = craft(claims={"nbf": now, "exp": now + 3600})
    assert "JWT_LIFETIME_TOO_LONG" in codes_of(long_lived)


@pytest.mark.parametrize("uri,request_line,code", [
    (None, "GET /api/v3/brokerage/accounts", "JWT_URI_MISSING"),
    ("get api.coinbase.com/api/v3/brokerage/accounts", "", "JWT_URI_MALFORMED"),
    ("GET https://api.coinbase.com/api/v3/brokerage/accounts", "", "JWT_URI_MALFORMED"),
    ("GETapi.coinbase.com/api/v3/brokerage/accounts", "", "JWT_URI_MALFORMED"),
    ("GET api.coinbase.com/v2/accounts", "", "JWT_URI_MALFORMED"),
    ("GET api.coinbase.com:443/api/v3/brokerage/accounts", "", "JWT_URI_WRONG_HOST"),
    ("GET api.exchange.coinbase.com/api/v3/brokerage/accounts", "", "JWT_URI_WRONG_HOST"),
    ("GET api.coinbase.com/api/v3/brokerage/orders/historical/fills?limit=5",
     "GET /api/v3/brokerage/orders/historical/fills?limit=5", "JWT_URI_HAS_QUERY"),
    (URI, "GET /api/v3/brokerage/orders/historical/batch", "JWT_URI_MISMATCH"),
    (URI, "POST /api/v3/brokerage/accounts", "JWT_URI_MISMATCH"),
])
def test_uri_codes(uri, request_line, code):
    token = craft(claims={"uri": uri} if uri else {}, drop_claims=[] if uri else ["uri"])
    options = {"jwt_use": "rest"}
    result = run_check("jwt.inspect", ctx(token, customer_request=request_line,
                                          options=options))
    assert code in result.codes
    assert result.status == Status.FAIL


def test_uri_host_follows_the_request_the_customer_made():
    token = craft(claims={"uri": "GET 127.0.0.1:8701/api/v3/brokerage/accounts"})
    request_line = "GET http://127.0.0.1:8701/api/v3/brokerage/accounts"
    assert codes_of(token, customer_request=request_line) == []


def test_signature_from_another_key_is_invalid():
    token = craft()
    result = run_check("jwt.inspect", ctx(token, public_key_pem=ec_pem()))
    assert "JWT_SIGNATURE_INVALID" in result.codes


def test_signature_verifies_with_a_pem_public_key():
    public_pem = jwt_tools.load_public_key(EC_SECRET).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    result = run_check("jwt.inspect", ctx(craft(), public_key_pem=public_pem))
    assert result.codes == []


def test_result_never_contains_the_signature_or_the_secret():
    token = craft()
    signature = token.rsplit(".", 1)[1]
    result = run_check("jwt.inspect", ctx(token, credentials=Credentials(KEY_NAME, EC_SECRET)))
    dumped = json.dumps(result.to_dict(), default=str)
    assert signature not in dumped
    assert "PRIVATE KEY" not in dumped and EC_SECRET.splitlines()[1] not in dumped
    assert result.details["token"]["claims"]["sub"] == KEY_NAME


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.text(max_size=300),
    st.lists(st.text(alphabet="ABCDEFabcdef0123456789-_=", max_size=40), min_size=1,
             max_size=5).map(".".join),
    st.builds(lambda h, c: unsigned(h, c),
              st.dictionaries(st.sampled_from(["alg", "kid", "nonce", "typ"]),
                              st.one_of(st.text(max_size=10), st.integers(), st.none())),
              st.dictionaries(st.sampled_from(["sub", "iss", "nbf", "exp", "uri"]),
                              st.one_of(st.text(max_size=40), st.integers(), st.floats(),
                                        st.booleans(), st.none()))),
))
def test_inspector_never_crashes_on_hostile_input(token):
    result = run_check("jwt.inspect", ctx(token, options={"jwt_use": "rest"}))
    assert result.status != Status.ERROR
    assert "CHECK_CRASHED" not in result.codes
