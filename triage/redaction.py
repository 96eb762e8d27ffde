"""The product's one redactor.

Everything that might carry a customer's credential passes through here before it is
saved, logged, exported or rendered: pasted evidence, captured diagnostics, escalation
packets and log records. A customer's API secret or a whole JWT never leaves memory;
only a short key prefix is kept.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass

REDACTED = "[REDACTED]"
SIGNATURE_REDACTED = "[REDACTED-SIGNATURE]"
PEM_REDACTED = "[REDACTED PRIVATE KEY]"
PREFIX_LENGTH = 8

# A PEM private key block; also one whose newlines arrive escaped (\n) or is cut short.
_PEM = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----.*?(?:-----END \1-----|\Z)",
    re.DOTALL,
)
# A whole JWT: three base64url segments, header and claims are JSON objects ("eyJ").
_JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]{2,})\.(eyJ[A-Za-z0-9_-]{2,})\.([A-Za-z0-9_-]{8,})")
# A JWT this module already redacted: header and claims kept, signature replaced.
_REDACTED_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.\[REDACTED-SIGNATURE\]")
# Header lines that carry credentials, in raw HTTP or "Name: value" pastes.
_SECRET_HEADER_LINE = re.compile(
    r"(?im)^(\s*(?:authorization|proxy-authorization|cookie|set-cookie|cb-access-sign|"
    r"cb-access-passphrase|x-api-key)\s*:\s*)(.+)$"
)
# NAME=value / "name": "value" pairs whose name says secret. Values may be quoted.
_SECRET_ASSIGNMENT = re.compile(
    r"""(?ix)
    (?P<name>["']?[\w.-]*(?:secret|private[_-]?key|passphrase|password|passwd|api[_-]?key[_-]?secret|privateKey)["']?)
    (?P<sep>\s*[:=]\s*)
    (?P<value>"[^"\n]{6,}"|'[^'\n]{6,}'|[^\s,;"'}\]]{6,})
    """
)
# Base64 of 32 or 64 bytes (Ed25519 seeds and seed||pubkey secrets), padded.
_B64_KEY = re.compile(
    r"(?<![A-Za-z0-9+/=])(?:[A-Za-z0-9+/]{86}==|[A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])"
)
# Long high-entropy strings close to a word like secret/key/token.
_KEYWORD_NEAR = re.compile(
    r"(?i)(secret|private|key|token|passphrase|signature)[^\n]{0,24}?([A-Za-z0-9+/_=-]{32,})"
)
_HEADER_NAMES = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "cb-access-sign",
    "cb-access-passphrase",
    "x-api-key",
}
_SECRET_KEY_NAMES = re.compile(
    r"(?i)^(?:.*secret.*|.*private[_-]?key.*|privatekey|passphrase|password|passwd|"
    r"authorization|cookie|api[_-]?secret|key[_-]?secret|jwt_signature)$"
)


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = {ch: value.count(ch) for ch in set(value)}
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _redact_jwt(match: re.Match) -> str:
    return f"{match.group(1)}.{match.group(2)}.{SIGNATURE_REDACTED}"


def _redact_header_line(match: re.Match) -> str:
    return match.group(1) + redact_header_value(match.group(1).strip().rstrip(":"), match.group(2))


def _redact_assignment(match: re.Match) -> str:
    value = match.group("value")
    if REDACTED in value or value.strip("\"'").startswith("["):
        return match.group(0)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group('name')}{match.group('sep')}{quote}{REDACTED}{quote}"


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Key names and key ids identify a key; they are not secrets.
_KEY_NAME_TOKEN = re.compile(r"organizations/|apiKeys/")


def _redact_keyword_near(match: re.Match) -> str:
    token = match.group(2)
    if (
        shannon_entropy(token) < 3.5
        or token.startswith("eyJ")
        or "REDACTED" in token
        or len(_UUID.sub("", token)) <= 4
        or _KEY_NAME_TOKEN.search(match.string[max(0, match.start() - 16) : match.end()])
    ):
        return match.group(0)
    return match.group(0)[: match.start(2) - match.start(0)] + REDACTED


def redact_header_value(name: str, value: str) -> str:
    """Redact one header's value when the header carries credentials."""
    lowered = name.strip().lower()
    if lowered not in _HEADER_NAMES:
        return redact_text(value)
    if lowered in {"authorization", "proxy-authorization"}:
        scheme, _, token = value.strip().partition(" ")
        jwt = _JWT.search(token)
        if scheme.lower() == "bearer" and jwt:
            return f"Bearer {jwt.group(1)}.{jwt.group(2)}.{SIGNATURE_REDACTED}"
        if scheme.lower() == "bearer" and _REDACTED_JWT.fullmatch(token.strip()):
            return f"Bearer {token.strip()}"
        return f"{scheme} {REDACTED}" if token else REDACTED
    return REDACTED


def redact_headers(headers: dict | list) -> dict | list:
    """Redact a header mapping (or list of pairs); keeps names, hides credentials."""
    if isinstance(headers, dict):
        return {k: redact_header_value(k, str(v)) for k, v in headers.items()}
    return [(k, redact_header_value(k, str(v))) for k, v in headers]


def redact_text(text: str) -> str:
    """Redact every secret form in free text. Idempotent."""
    if not text:
        return text
    text = _PEM.sub(PEM_REDACTED, text)
    text = _SECRET_HEADER_LINE.sub(_redact_header_line, text)
    text = _JWT.sub(_redact_jwt, text)
    text = _SECRET_ASSIGNMENT.sub(_redact_assignment, text)
    text = _B64_KEY.sub(REDACTED, text)
    text = _KEYWORD_NEAR.sub(_redact_keyword_near, text)
    return text


def redact_data(value):
    """Redact a JSON-like structure: secret-named keys lose their values, strings are scanned."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and _SECRET_KEY_NAMES.match(key) and item not in (None, ""):
                out[key] = (
                    redact_header_value(key, str(item))
                    if key.lower() in _HEADER_NAMES
                    else REDACTED
                )
            else:
                out[key] = redact_data(item)
        return out
    if isinstance(value, (list, tuple)):
        return [redact_data(item) for item in value]
    if isinstance(value, str):
        return redact_text(str(value))
    return value


@dataclass(frozen=True)
class SecretFinding:
    kind: str
    where: str


def find_secrets(value, where: str = "$") -> list[SecretFinding]:
    """List secrets still present in a structure: used to refuse packets that carry one."""
    findings: list[SecretFinding] = []
    if isinstance(value, dict):
        for key, item in value.items():
            findings.extend(find_secrets(item, f"{where}.{key}"))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            findings.extend(find_secrets(item, f"{where}[{index}]"))
    elif isinstance(value, str) and redact_text(value) != value:
        kind = "secret"
        if _PEM.search(value):
            kind = "PEM private key"
        elif _JWT.search(value):
            kind = "signed JWT"
        elif _SECRET_HEADER_LINE.search(value):
            kind = "credential header"
        elif _B64_KEY.search(value):
            kind = "base64 private key"
        findings.append(SecretFinding(kind=kind, where=where))
    return findings


_KEY_NAME = re.compile(r"organizations/[^/\s]+/apiKeys/([A-Za-z0-9-]+)")
_UUIDISH = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F-]*$")


@dataclass(frozen=True)
class KeyPrefix:
    prefix: str
    was_secret: bool
    note: str


def looks_secret(value: str) -> bool:
    value = value.strip()
    return bool(
        _PEM.search(value)
        or "-----BEGIN" in value
        or _JWT.search(value)
        or _B64_KEY.fullmatch(value)
        or (len(value) >= 32 and "/" not in value and shannon_entropy(value) > 4.2)
    )


def key_prefix(value: str) -> KeyPrefix:
    """Reduce whatever an agent pasted as 'the key' to a short, non-secret prefix.

    A key name (organizations/.../apiKeys/<id>) or a key id keeps the first characters
    of the id; a JWT keeps those of its kid; a PEM block or base64 secret keeps nothing.
    Stable: key_prefix(key_prefix(x).prefix).prefix == key_prefix(x).prefix.
    """
    value = (value or "").strip()
    if not value:
        return KeyPrefix("", False, "")
    jwt = _JWT.search(value)
    if jwt:
        kid = _jwt_kid(jwt.group(1))
        inner = key_prefix(kid) if kid else KeyPrefix("", True, "")
        return KeyPrefix(inner.prefix, True, "A JWT was pasted; only its key id's prefix was kept.")
    name = _KEY_NAME.search(value)
    if name:
        return KeyPrefix(
            name.group(1)[:PREFIX_LENGTH],
            len(value) > PREFIX_LENGTH,
            "Only the first characters of the key id are kept.",
        )
    if "-----BEGIN" in value or _B64_KEY.fullmatch(value) or looks_secret(value):
        return KeyPrefix(
            "",
            True,
            "That looks like a private key secret: nothing was kept. Enter the key name "
            "or key id instead.",
        )
    if _UUIDISH.match(value) or re.fullmatch(r"[A-Za-z0-9_-]+", value):
        kept = value[:PREFIX_LENGTH]
        note = "Only the first characters of the key id are kept." if kept != value else ""
        return KeyPrefix(kept, kept != value, note)
    return KeyPrefix("", True, "Not a key name or key id: nothing was kept.")


def jwt_segment(segment: str) -> dict | None:
    """The JSON object in one base64url JWT segment (header or claims), or None."""
    import json

    try:
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _jwt_kid(segment: str) -> str:
    kid = (jwt_segment(segment) or {}).get("kid")
    return kid if isinstance(kid, str) else ""
