"""Sealing the private key of an attempt's sandbox key while the attempt runs.

Practice keys exist only on the local sandbox, but they are still private keys, so the
attempt row keeps them Fernet-encrypted (key derived from SECRET_KEY), never shows them
on a page, and wipes them when the attempt is submitted.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_CONTEXT = b"practice-sandbox-key-v1:"


def _fernet() -> Fernet:
    digest = hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(token: str) -> str:
    """Return the secret, or "" when the token is empty or was sealed under another key."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
