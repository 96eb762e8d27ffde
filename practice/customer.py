"""The customer's side of a practice ticket: the token they "paste", mistakes included.

Tokens are minted from the attempt's own sandbox key whenever they are needed, so a
ticket's token is as fresh as a customer's would be when an agent asks for one. Pages
only ever show a token with its signature redacted.
"""

from __future__ import annotations

import secrets
import time

import jwt

from diagnostics import jwt_tools
from practice.setup import CustomerJwt
from triage.redaction import redact_text


def mint_customer_jwt(
    spec: CustomerJwt, *, key_name: str, key_secret: str, now: float | None = None
) -> str:
    """Sign the token the customer's code would have built, as the spec describes it."""
    private_key = jwt_tools.load_private_key(key_secret)
    algorithm = jwt_tools.algorithm_for(private_key)
    issued = int((time.time() if now is None else now) + spec.clock_offset_s)
    claims = {"sub": key_name, "iss": spec.iss, "nbf": issued, "exp": issued + spec.lifetime_s}
    if spec.uri is not None:
        claims["uri"] = spec.uri
    headers = {"kid": key_name, "nonce": secrets.token_hex()}
    return jwt.encode(claims, private_key, algorithm=algorithm, headers=headers)


def displayable(token: str) -> str:
    """The token as a page may show it: header and claims, signature redacted."""
    return redact_text(token)
