"""key.format: every key-format code, from real generated keys; the secret never appears in
the result or an error message."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostics import jwt_tools
from diagnostics.checks import Credentials, RunContext, Status, run_check
from tests.diagnostics.test_checks_jwt import KEY_NAME, craft, ec_pem, ed_b64

UUID_NAME = "9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff"


def run(secret: str, name: str = KEY_NAME, **kwargs):
    ctx = RunContext(rest_base="https://api.coinbase.com", ws_market_url="", ws_user_url="",
                     credentials=Credentials(name, secret), **kwargs)
    return run_check("key.format", ctx)


def pem(key, fmt=serialization.PrivateFormat.PKCS8) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt,
                             serialization.NoEncryption()).decode()


def test_ec_p256_sec1_pem_is_es256():
    result = run(ec_pem())
    assert result.status == Status.PASS and result.codes == []
    assert result.details["algorithm"] == "ES256"


def test_ec_p256_pkcs8_pem_is_es256():
    assert run(pem(ec.generate_private_key(ec.SECP256R1()))).details["algorithm"] == "ES256"


def test_ed25519_forms_are_eddsa():
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    for secret in (pem(key), base64.b64encode(seed).decode(), ed_b64()):
        result = run(secret, name=UUID_NAME)
        assert result.codes == [], result.details
        assert result.details["algorithm"] == "EdDSA"


def test_escaped_newlines_are_flagged_but_the_key_still_reads():
    escaped = ec_pem().strip().replace("\n", "\\n")
    result = run(escaped)
    assert result.codes == ["KEY_FORMAT_ESCAPED_NEWLINES"]
    assert result.status == Status.WARN
    assert result.details["algorithm"] == "ES256"
    assert jwt_tools.build_jwt(KEY_NAME, escaped)  # loadable the way the SDK loads it


@pytest.mark.parametrize("secret", [
    pem(ec.generate_private_key(ec.SECP384R1())),
    pem(ec.generate_private_key(ec.SECP256K1())),
    pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
    ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
    ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw")).decode(),
], ids=["P-384", "secp256k1", "RSA", "public-key", "encrypted"])
def test_wrong_type_or_curve(secret):
    result = run(secret)
    assert "KEY_FORMAT_WRONG_TYPE" in result.codes
    assert result.status == Status.FAIL


def test_exchange_style_64_byte_hmac_secret_is_legacy():
    result = run(base64.b64encode(os.urandom(64)).decode())
    assert result.codes == ["KEY_FORMAT_LEGACY_SECRET"]


def test_pre_cdp_32_character_secret_is_legacy():
    assert run("aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY").codes == ["KEY_FORMAT_LEGACY_SECRET"]


@pytest.mark.parametrize("name_as_secret", [KEY_NAME, UUID_NAME])
def test_key_name_pasted_as_secret(name_as_secret):
    assert run(name_as_secret).codes == ["KEY_FORMAT_NAME_AS_SECRET"]


@pytest.mark.parametrize("secret", [
    "not a key at all!", base64.b64encode(b"x" * 48).decode(),
    "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----",
])
def test_unreadable_secrets(secret):
    result = run(secret)
    assert result.codes == ["KEY_FORMAT_INVALID"]


def test_unusual_key_name_is_a_warning():
    result = run(ec_pem(), name="my trading key")
    assert result.codes == ["KEY_NAME_FORMAT"]
    assert result.status == Status.WARN


def test_eddsa_key_with_a_token_claiming_es256_is_named():
    secret = ed_b64()
    token = craft(secret=ec_pem())  # an ES256 token, while this key is Ed25519
    result = run(secret, customer_jwt=token)
    assert "JWT_BAD_ALG" in result.codes
    assert "Ed25519" in result.details["problem"]


def test_missing_credentials_skip():
    ctx = RunContext(rest_base="https://api.coinbase.com", ws_market_url="", ws_user_url="")
    assert run_check("key.format", ctx).status == Status.SKIPPED


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400) | st.binary(max_size=120).map(lambda b: base64.b64encode(b).decode())
       | st.text(max_size=200).map(lambda t: f"-----BEGIN EC PRIVATE KEY-----\n{t}\n-----END"))
def test_key_parser_never_crashes_and_never_echoes_the_secret(secret):
    result = run(secret)
    assert result.status != Status.ERROR
    if len(secret.strip()) >= 12:
        assert secret.strip() not in json.dumps(result.to_dict(), default=str)
