"""API key material for the sandbox: CDP-style key names and ES256 / EdDSA key pairs.

The sandbox keeps only the public half; the private half is handed to the caller once.
ES256 keys get a legacy CDP name `organizations/{org}/apiKeys/{id}` and a SEC1 PEM secret;
EdDSA keys get a bare UUID id and a base64 secret of 64 bytes (seed‖public key, the CDP
portal form), which the official SDK (1.8.3+) accepts.
"""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

ALGORITHMS = ("ES256", "EdDSA")
PERMISSIONS = ("view", "trade", "transfer")
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass
class ApiKey:
    name: str
    algorithm: str
    public_key: object
    permissions: frozenset[str]
    portfolio_uuid: str
    user_id: str
    allowed_ips: list[str] = field(default_factory=list)
    nickname: str = ""
    created_at: str = ""

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def public_view(self) -> dict:
        """Everything about the key except secrets (the sandbox has none to show)."""
        return {
            "key_name": self.name,
            "nickname": self.nickname,
            "algorithm": self.algorithm,
            "permissions": sorted(self.permissions),
            "allowed_ips": list(self.allowed_ips),
            "portfolio_uuid": self.portfolio_uuid,
            "public_key": self.public_pem(),
            "created_at": self.created_at,
        }


def new_key_pair(algorithm: str, rng: random.Random | None = None) -> tuple[str, str, object]:
    """Return (key_name, private_key_text, public_key). Deterministic when `rng` is given."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}")
    rand = rng or random.SystemRandom()
    if algorithm == "ES256":
        secret = rand.randrange(1, _P256_ORDER)
        private = ec.derive_private_key(secret, ec.SECP256R1())
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        org = uuid.UUID(int=rand.getrandbits(128), version=4)
        key_id = uuid.UUID(int=rand.getrandbits(128), version=4)
        return f"organizations/{org}/apiKeys/{key_id}", pem, private.public_key()
    seed = bytes(rand.getrandbits(8) for _ in range(32))
    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    secret_text = base64.b64encode(seed + public_raw).decode()
    key_id = uuid.UUID(int=rand.getrandbits(128), version=4)
    return str(key_id), secret_text, private.public_key()
