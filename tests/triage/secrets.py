"""Real secret material for redaction tests, generated fresh per run."""

import base64
import json
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

KEY_NAME = "organizations/7d1c2b3a-org/apiKeys/9f8e7d6c-5b4a-4321-9abc-def012345678"


def ec_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def ed25519_b64(length: int) -> str:
    """Base64 of a 32-byte seed, or of the 64-byte seed||public key form."""
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(seed if length == 32 else seed + public).decode()


def signed_jwt(uri: str = "GET api.coinbase.com/api/v3/brokerage/accounts") -> str:
    pem = ec_pem()
    now = int(time.time())
    claims = {"iss": "cdp", "sub": KEY_NAME, "nbf": now, "exp": now + 120, "uri": uri}
    return jwt.encode(claims, pem, algorithm="ES256", headers={"kid": KEY_NAME, "nonce": "abc123"})


def jwt_parts(token: str) -> tuple[str, str, str]:
    header, claims, signature = token.split(".")
    return header, claims, signature


def escaped_pem() -> str:
    """A PEM block the way it sits inside a JSON key file: newlines escaped."""
    return json.dumps(ec_pem())[1:-1]
