"""Build and take apart Coinbase CDP JWTs.

`build_jwt` signs exactly as the official SDK does (ES256 for EC P-256 PEM keys, EdDSA for
Ed25519 keys in PEM or base64, `kid`=`sub`=key name, a random nonce, `iss`="cdp", a
120-second life, `uri` for REST only). `decode_unverified` reads a customer's token
without trusting anything in it. Error messages never contain key material.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

JWT_LIFETIME = 120
REST_HOST = "api.coinbase.com"
ALLOWED_ALGS = ("ES256", "EdDSA")
MAX_TOKEN_LENGTH = 16_384

KEY_NAME_LEGACY = re.compile(
    r"^organizations/[0-9a-fA-F-]{8,64}/apiKeys/[0-9a-fA-F-]{8,64}$"
)
KEY_NAME_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


class KeyMaterialError(ValueError):
    """A key secret that cannot be used; the message never quotes the secret."""


def key_name_format(name: str) -> str:
    """'legacy' (organizations/…/apiKeys/…), 'uuid' (new CDP key id) or 'unknown'."""
    name = (name or "").strip()
    if KEY_NAME_LEGACY.match(name):
        return "legacy"
    if KEY_NAME_UUID.match(name):
        return "uuid"
    return "unknown"


def normalise_secret(secret: str) -> str:
    """Turn literal \\n sequences into newlines, as the SDK does, without unicode_escape
    surprises on non-ASCII input."""
    if "-----BEGIN" in secret and "\\n" in secret:
        secret = secret.replace("\\r\\n", "\n").replace("\\n", "\n")
    return secret.strip().strip('"').strip()


def load_private_key(secret: str):
    """Load a CDP secret: PEM (EC P-256 or Ed25519) or base64 Ed25519 (32 or 64 bytes)."""
    secret = normalise_secret(secret or "")
    if secret.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(secret.encode("utf-8"), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise KeyMaterialError("the PEM private key could not be read") from None
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key
        if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            return key
        raise KeyMaterialError(
            f"unsupported key type {type(key).__name__}; expected EC P-256 or Ed25519"
        )
    try:
        raw = base64.b64decode("".join(secret.split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyMaterialError("the secret is neither PEM nor valid base64") from None
    if len(raw) not in (32, 64):
        raise KeyMaterialError(f"an Ed25519 secret must decode to 32 or 64 bytes, got {len(raw)}")
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])


def algorithm_for(key) -> str:
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "EdDSA"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return "ES256"
    raise KeyMaterialError("unsupported key type")


def rest_uri(method: str, rest_base: str, path: str) -> str:
    """The `uri` claim for a REST call: METHOD host[:port]/path, no scheme, no query."""
    try:
        host = urlsplit(rest_base if "//" in rest_base else f"//{rest_base}").netloc
    except ValueError:
        host = rest_base
    return f"{method.upper()} {host}{path.split('?', 1)[0]}"


def build_jwt(
    key_name: str,
    secret: str,
    *,
    uri: str | None = None,
    now: int | None = None,
    lifetime: int = JWT_LIFETIME,
    private_key=None,
) -> str:
    """Sign a token for one REST call (with `uri`) or for WebSocket messages (without)."""
    key = private_key or load_private_key(secret)
    issued = int(time.time()) if now is None else int(now)
    claims = {"sub": key_name, "iss": "cdp", "nbf": issued, "exp": issued + lifetime}
    if uri:
        claims["uri"] = uri
    return jwt.encode(
        claims,
        key,
        algorithm=algorithm_for(key),
        headers={"kid": key_name, "nonce": secrets.token_hex()},
    )


@dataclass
class DecodedJwt:
    header: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)
    signing_input: bytes = b""
    signature: bytes = b""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def header_and_claims(self) -> dict:
        """What may be stored: the token without its signature."""
        return {"header": self.header, "claims": self.claims}


def _b64url(segment: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def decode_unverified(token: str) -> DecodedJwt:
    """Split and decode a token without verifying anything. Never raises."""
    out = DecodedJwt()
    token = (token or "").strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
        out.problems.append("the token starts with 'Bearer '; that belongs in the header only")
    if len(token) > MAX_TOKEN_LENGTH:
        out.problems.append(f"the token is longer than {MAX_TOKEN_LENGTH} characters")
        return out
    parts = token.split(".")
    if len(parts) != 3:
        out.problems.append(f"a JWT has 3 dot-separated segments; this has {len(parts)}")
        return out
    for index, name in enumerate(("header", "claims")):
        try:
            value = json.loads(_b64url(parts[index]).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            out.problems.append(f"the {name} segment is not base64url-encoded JSON")
            continue
        if not isinstance(value, dict):
            out.problems.append(f"the {name} segment is JSON but not an object")
            continue
        setattr(out, name, value)
    try:
        out.signature = _b64url(parts[2])
    except (ValueError, binascii.Error):
        out.problems.append("the signature segment is not base64url")
    out.signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    return out


def load_public_key(material: str):
    """A public key from a PEM public key, or derived from a private key secret."""
    material = normalise_secret(material or "")
    if "PUBLIC KEY" in material:
        try:
            key = serialization.load_pem_public_key(material.encode("utf-8"))
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise KeyMaterialError("the PEM public key could not be read") from None
        algorithm_for(key)
        return key
    return load_private_key(material).public_key()


def verify_signature(token: str, key_material: str) -> tuple[bool, str]:
    """Verify with the algorithm the KEY dictates, never the one the token names.

    Returns (verified, reason). Time claims are checked elsewhere, against the server clock.
    """
    try:
        public_key = load_public_key(key_material)
    except KeyMaterialError as exc:
        return False, str(exc)
    algorithm = algorithm_for(public_key)
    try:
        jwt.decode(
            token.strip(),
            public_key,
            algorithms=[algorithm],
            options={"verify_signature": True, "verify_exp": False, "verify_nbf": False,
                     "verify_iat": False, "verify_aud": False, "verify_iss": False,
                     "verify_sub": False, "verify_jti": False},
        )
    except jwt.InvalidAlgorithmError:
        return False, f"the token names a different algorithm than the key's ({algorithm})"
    except jwt.InvalidSignatureError:
        return False, "the signature does not match this key"
    except jwt.PyJWTError as exc:
        return False, f"the token could not be verified ({type(exc).__name__})"
    return True, f"verified with the key ({algorithm})"
