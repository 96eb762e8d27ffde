"""Fixtures for integrations tests: runtime-generated keys and JWTs (never real secrets)."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


@pytest.fixture(scope="session")
def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def ec_pem(ec_key):
    return ec_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session")
def jwt_for(ec_key):
    """Sign a REST JWT the way the official SDK does, for a key id of the test's choosing."""

    def make(key_id: str, uri: str = "GET api.coinbase.com/api/v3/brokerage/accounts") -> str:
        name = f"organizations/0f0e0d0c-aaaa-bbbb-cccc-000000000000/apiKeys/{key_id}"
        now = int(time.time())
        return jwt.encode(
            {"sub": name, "iss": "cdp", "nbf": now, "exp": now + 120, "uri": uri},
            ec_key,
            algorithm="ES256",
            headers={"kid": name, "nonce": "ab" * 32},
        )

    return make
