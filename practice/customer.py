"""The customer's side of a practice ticket: the token they "paste", mistakes included.

Tokens are minted from the attempt's own sandbox key whenever they are needed, so a
ticket's token is as fresh as a customer's would be when an agent asks for one. Pages
only ever show a token with its signature redacted.
"""

from __future__ import annotations

import base64
import secrets
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from practice.setup import CustomerJwt
from triage.redaction import redact_text


def load_private_key(secret: str):
    """A sandbox key's private half: SEC1/PKCS8 PEM (ES256) or base64 Ed25519 (EdDSA)."""
    if secret.lstrip().startswith("-----BEGIN"):
        return "ES256", serialization.load_pem_private_key(secret.encode(), password=None)
    raw = base64.b64decode("".join(secret.split()))
    return "EdDSA", ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])


def mint_customer_jwt(
    spec: CustomerJwt, *, key_name: str, key_secret: str, now: float | None = None
) -> str:
    """Sign the token the customer's code would have built, as the spec describes it."""
    algorithm, private_key = load_private_key(key_secret)
    issued = int((time.time() if now is None else now) + spec.clock_offset_s)
    claims = {"sub": key_name, "iss": spec.iss, "nbf": issued, "exp": issued + spec.lifetime_s}
    if spec.uri is not None:
        claims["uri"] = spec.uri
    headers = {"kid": key_name, "nonce": secrets.token_hex()}
    return jwt.encode(claims, private_key, algorithm=algorithm, headers=headers)


def displayable(token: str) -> str:
    """The token as a page may show it: header and claims, signature redacted."""
    return redact_text(token)
