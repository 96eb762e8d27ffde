"""JWT verification as the Advanced Trade service applies it.

REST: `Authorization: Bearer <jwt>`; WebSocket: the `jwt` field of a subscribe message.
Checks, in order: alg is ES256 or EdDSA; `kid` names a known key of that algorithm and equals
`sub`; the signature verifies with the key's public half; `iss` is `cdp`; nbf ≤ now < exp on
the sandbox clock (fault offset included); lifetime at most 120 s; REST only: `uri` equals
`METHOD host/path` with the host the client addressed and no query string. Then the key must
not be revoked and, when it has an IP allowlist, the caller must be on it.

[U] Choices where the real rules are unpublished: a leeway of 5 s on nbf/exp; `iss`
"coinbase-cloud" (pre-1.4.1 SDKs) is refused; nonces are not checked for replay; an IP
outside the allowlist gets the same plain 401 as a bad token.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import jwt

from sandbox.keys import ApiKey

LEEWAY_S = 5
MAX_LIFETIME_S = 120
ACCEPTED_ALGORITHMS = ("ES256", "EdDSA")


class AuthError(Exception):
    """A refused token. `reason` goes to the sandbox log only; clients see `Unauthorized`."""

    def __init__(self, reason: str, key_name: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.key_name = key_name


@dataclass
class TokenInfo:
    key: ApiKey
    nonce: str


def peek_kid(token: str | None) -> str | None:
    """The unverified `kid`, used only to pick per-key faults before verification."""
    if not token:
        return None
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None
    return kid if isinstance(kid, str) else None


def bearer_token(header: str | None) -> str | None:
    if not header or not header.startswith("Bearer "):
        return None
    return header[len("Bearer "):].strip() or None


def verify_token(token: str, *, keys: dict[str, ApiKey], now: float,
                 expected_uri: str | None) -> TokenInfo:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthError(f"malformed token: {exc}") from None
    alg = header.get("alg")
    if alg not in ACCEPTED_ALGORITHMS:
        raise AuthError(f"algorithm {alg!r} not accepted")
    kid = header.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise AuthError("unknown kid")
    if key.algorithm != alg:
        raise AuthError(f"key is {key.algorithm}, token is {alg}", kid)
    try:
        claims = jwt.decode(
            token, key.public_key, algorithms=[alg],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                     "verify_aud": False, "verify_iss": False},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"signature: {exc}", kid) from None
    if claims.get("sub") != kid:
        raise AuthError("sub does not equal kid", kid)
    if claims.get("iss") != "cdp":
        raise AuthError(f"iss {claims.get('iss')!r} is not 'cdp'", kid)
    nbf, exp = claims.get("nbf"), claims.get("exp")
    if not isinstance(nbf, int | float) or not isinstance(exp, int | float):
        raise AuthError("nbf and exp are required", kid)
    if now + LEEWAY_S < nbf:
        raise AuthError(f"not valid yet (nbf {nbf}, sandbox clock {now:.0f})", kid)
    if now - LEEWAY_S >= exp:
        raise AuthError(f"expired (exp {exp}, sandbox clock {now:.0f})", kid)
    if exp - nbf > MAX_LIFETIME_S:
        raise AuthError(f"lifetime {exp - nbf:.0f}s exceeds {MAX_LIFETIME_S}s", kid)
    if expected_uri is not None and claims.get("uri") != expected_uri:
        raise AuthError(f"uri {claims.get('uri')!r} does not match {expected_uri!r}", kid)
    nonce = header.get("nonce")
    return TokenInfo(key=key, nonce=nonce if isinstance(nonce, str) else "")


def check_access(key: ApiKey, *, revoked: bool, remote_ip: str | None,
                 ip_not_allowlisted: bool) -> None:
    if revoked:
        raise AuthError("key revoked", key.name)
    if ip_not_allowlisted:
        raise AuthError(f"caller IP {remote_ip} not allowlisted (fault)", key.name)
    if key.allowed_ips and not ip_allowed(remote_ip, key.allowed_ips):
        raise AuthError(f"caller IP {remote_ip} not allowlisted", key.name)


def ip_allowed(remote_ip: str | None, allowed: list[str]) -> bool:
    if not remote_ip:
        return False
    try:
        address = ipaddress.ip_address(remote_ip)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
