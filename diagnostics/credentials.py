"""How a customer's key secret reaches the workers without being stored.

The agent types the key name and secret into the run form. The web process seals them
(with the customer's whole JWT and an optional public key) into one Fernet token and
puts the token on the broker side under an opaque, random handle with a short lifetime:

- Redis (when the broker is Redis): `SET diagnostics:credentials:<handle> <token> EX ttl`.
- Filesystem broker: a file `VAR_DIR/diagnostics-credentials/<handle>` created with mode
  0600 in a 0700 folder; expired files are removed by the deadline sweep.

Only the handle is written to the database and only the run id travels in task
messages. A worker reads the token, decrypts it in memory (Fernet refuses a token older
than the lifetime), and the token is deleted as soon as the run finishes. The Fernet key
is `settings.DIAGNOSTICS_FERNET_KEY`, or one derived from SECRET_KEY when not set.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import time
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

REDIS_PREFIX = "diagnostics:credentials:"
DEFAULT_TTL = 300
_HANDLE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class CredentialsExpired(Exception):
    """The sealed credentials are gone or older than their lifetime."""


class CredentialsStoreUnavailable(Exception):
    """The broker-side store cannot be reached (Redis down)."""


def ttl_seconds() -> int:
    return int(getattr(settings, "DIAGNOSTICS_CREDENTIALS_TTL", DEFAULT_TTL))


def fernet() -> Fernet:
    key = getattr(settings, "DIAGNOSTICS_FERNET_KEY", "")
    if not key:
        digest = hashlib.sha256(b"diagnostics-credentials:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def _uses_redis() -> bool:
    return getattr(settings, "BROKER_MODE", "filesystem") == "redis"


def _redis():
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2, retry_on_timeout=False
    )


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "diagnostics-credentials"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _file(handle: str) -> Path:
    if not _HANDLE.match(handle):
        raise CredentialsExpired("unknown credentials handle")
    return _folder() / handle


def credentials_seal(*, payload: dict[str, str]) -> str:
    """Seal the payload in the broker-side store; return its opaque handle."""
    token = fernet().encrypt(json.dumps(payload).encode())
    handle = secrets.token_urlsafe(24)
    ttl = ttl_seconds()
    if _uses_redis():
        import redis

        try:
            _redis().set(REDIS_PREFIX + handle, token, ex=ttl)
        except redis.RedisError:
            raise CredentialsStoreUnavailable("the credentials store is unavailable") from None
        return handle
    path = _file(handle)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(token)
    return handle


def credentials_open(*, handle: str) -> dict[str, str]:
    """Decrypt the sealed payload in memory. Raises CredentialsExpired."""
    if not handle:
        raise CredentialsExpired("no credentials were given")
    token: bytes | None
    if _uses_redis():
        import redis

        try:
            token = _redis().get(REDIS_PREFIX + handle)
        except redis.RedisError:
            raise CredentialsExpired("the credentials store is unavailable") from None
    else:
        try:
            token = _file(handle).read_bytes()
        except FileNotFoundError:
            token = None
    if not token:
        raise CredentialsExpired("the credentials expired or were already removed")
    try:
        return json.loads(fernet().decrypt(token, ttl=ttl_seconds()))
    except InvalidToken:
        raise CredentialsExpired("the credentials expired") from None


def credentials_discard(*, handle: str) -> None:
    """Remove the sealed payload now (idempotent, never raises)."""
    if not handle:
        return
    if _uses_redis():
        import redis

        try:
            _redis().delete(REDIS_PREFIX + handle)
        except redis.RedisError:
            pass  # the key expires on its own within the TTL
        return
    try:
        _file(handle).unlink(missing_ok=True)
    except CredentialsExpired:
        pass


def credentials_purge_expired() -> int:
    """Filesystem store only: remove tokens older than the lifetime. Returns the count."""
    if _uses_redis():
        return 0
    limit = time.time() - ttl_seconds()
    removed = 0
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed
