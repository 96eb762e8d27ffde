"""key.format (the secret, in memory only) and key.permissions (what the key may do)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from diagnostics import jwt_tools
from diagnostics.checks.base import CheckResult, RunContext, Status, register
from diagnostics.checks.common import RestSession, auth_codes, finish, needs_credentials

_PEM_LABEL = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----")
WARN_ONLY = {"KEY_NAME_FORMAT", "KEY_FORMAT_ESCAPED_NEWLINES"}


def classify_secret(secret: str) -> tuple[list[str], dict]:
    """Codes and facts about a key secret. The facts never include key material."""
    raw = (secret or "").strip().strip('"').strip()
    facts: dict = {"length": len(raw)}
    if jwt_tools.KEY_NAME_LEGACY.match(raw) or jwt_tools.KEY_NAME_UUID.match(raw):
        facts["form"] = "a key name or key id"
        return ["KEY_FORMAT_NAME_AS_SECRET"], facts
    if "-----BEGIN" in raw:
        codes = []
        if "\\n" in raw and "\n" not in raw:
            codes.append("KEY_FORMAT_ESCAPED_NEWLINES")
        text = jwt_tools.normalise_secret(raw)
        label = _PEM_LABEL.search(text)
        facts["form"] = f"PEM ({label.group(1) if label else 'no label'})"
        if label and ("PUBLIC KEY" in label.group(1) or "CERTIFICATE" in label.group(1)):
            facts["problem"] = "this is a public key or certificate, not the private key"
            return codes + ["KEY_FORMAT_WRONG_TYPE"], facts
        try:
            key = serialization.load_pem_private_key(text.encode("utf-8"), password=None)
        except TypeError:
            facts["problem"] = "the PEM is encrypted with a password"
            return codes + ["KEY_FORMAT_WRONG_TYPE"], facts
        except (ValueError, UnsupportedAlgorithm):
            facts["problem"] = "the PEM could not be read (damaged or cut short)"
            return codes + ["KEY_FORMAT_INVALID"], facts
        if isinstance(key, ed25519.Ed25519PrivateKey):
            facts.update(algorithm="EdDSA", key_type="Ed25519")
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            facts["key_type"] = f"EC {key.curve.name}"
            if isinstance(key.curve, ec.SECP256R1):
                facts["algorithm"] = "ES256"
            else:
                facts["problem"] = f"EC curve {key.curve.name}; Coinbase needs P-256 (secp256r1)"
                codes.append("KEY_FORMAT_WRONG_TYPE")
        else:
            facts["key_type"] = type(key).__name__.lstrip("_")
            facts["problem"] = "only EC P-256 and Ed25519 keys are supported"
            codes.append("KEY_FORMAT_WRONG_TYPE")
        return codes, facts
    compact = "".join(raw.split())
    if re.fullmatch(r"[A-Za-z0-9]{32}", compact):
        facts["form"] = "32-character legacy secret"
        return ["KEY_FORMAT_LEGACY_SECRET"], facts
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        facts["form"] = "neither PEM nor base64"
        return ["KEY_FORMAT_INVALID"], facts
    facts["form"] = f"base64 of {len(decoded)} bytes"
    if len(decoded) == 32:
        facts.update(algorithm="EdDSA", key_type="Ed25519 (seed)")
        return [], facts
    if len(decoded) == 64:
        seed_key = ed25519.Ed25519PrivateKey.from_private_bytes(decoded[:32])
        public = seed_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if public == decoded[32:]:
            facts.update(algorithm="EdDSA", key_type="Ed25519 (seed and public key)")
            return [], facts
        facts["problem"] = ("64 bytes whose second half is not the Ed25519 public key: "
                            "an Exchange/Pro HMAC secret")
        return ["KEY_FORMAT_LEGACY_SECRET"], facts
    facts["problem"] = "an Ed25519 secret decodes to 32 or 64 bytes"
    return ["KEY_FORMAT_INVALID"], facts


@register("key.format", "Key secret format", needs_credentials=True,
          description="Reads the key secret in memory: PEM EC P-256 or base64 Ed25519, escaped "
          "newlines, wrong type or curve, legacy secrets, a key name in the secret field.")
def key_format(ctx: RunContext) -> CheckResult:
    creds = ctx.credentials
    if creds is None or not creds.key_secret:
        return finish("key.format", Status.SKIPPED, "No key secret was given.", [])
    codes, facts = classify_secret(creds.key_secret)
    facts["key_name_format"] = jwt_tools.key_name_format(creds.key_name)
    if facts["key_name_format"] == "unknown":
        codes.append("KEY_NAME_FORMAT")
    if ctx.customer_jwt and facts.get("algorithm"):
        token_alg = jwt_tools.decode_unverified(ctx.customer_jwt).header.get("alg")
        facts["customer_token_alg"] = token_alg
        if token_alg and token_alg != facts["algorithm"]:
            codes.append("JWT_BAD_ALG")
            facts["problem"] = (f"the customer's token says {token_alg} but this "
                                f"{facts['key_type']} key signs {facts['algorithm']}")
    failing = [c for c in codes if c not in WARN_ONLY]
    status = Status.FAIL if failing else Status.WARN if codes else Status.PASS
    if not codes:
        summary = f"The secret is a usable {facts['key_type']} key ({facts['algorithm']})."
    else:
        summary = f"Key secret ({facts['form']}): " + (facts.get("problem") or ", ".join(codes))
    return finish("key.format", status, summary, codes, details=facts)


def _ip_allowed(ip: str, allowlist: list[str]) -> bool | None:
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    for entry in allowlist:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


ACTIONS = {"view": "can_view", "trade": "can_trade", "transfer": "can_transfer"}


@register("key.permissions", "Key permissions", needs_credentials=True,
          description="Reads the key permissions endpoint and compares view/trade/transfer and "
          "the portfolio with the intended action and the case's portfolio.")
def key_permissions(ctx: RunContext) -> CheckResult:
    skipped = needs_credentials("key.permissions", ctx)
    if skipped:
        return skipped
    evidence: list = []
    session = RestSession(ctx, evidence)
    result = session.call("GET", "/key_permissions")
    details: dict = {"http_status": result.status}
    allowlist = list(ctx.key_allowed_ips)
    if allowlist and ctx.customer_ip:
        details["customer_ip_allowed"] = _ip_allowed(ctx.customer_ip, allowlist)
    if result.status == 401:
        codes = ["KEY_UNAUTHORIZED"]
        summary = ("The API refused a freshly signed token (401): the key is unknown, revoked, "
                   "or the caller's IP is not allowlisted.")
        if allowlist:
            codes.append("KEY_IP_NOT_ALLOWED")
            summary = ("The API refused a freshly signed token (401) and the key has an IP "
                       f"allowlist ({len(allowlist)} entries): the caller's IP is most likely "
                       "not on it.")
        return finish("key.permissions", Status.FAIL, summary, codes, details=details,
                      evidence=evidence)
    if details.get("customer_ip_allowed") is False:
        pass  # reported below together with the permissions
    data = result.json() if result.ok else None
    if not isinstance(data, dict):
        codes = auth_codes(result) or ["HTTP_UNEXPECTED_STATUS"]
        status = Status.ERROR if result.status is None else Status.FAIL
        summary = (f"Could not read the key permissions: "
                   f"{result.error or f'HTTP {result.status}'}.")
        return finish("key.permissions", status, summary, codes, details=details,
                      evidence=evidence)
    perms = {name: bool(data.get(name)) for name in ACTIONS.values()}
    details.update(perms, portfolio_uuid=data.get("portfolio_uuid", ""),
                   portfolio_type=data.get("portfolio_type", ""), action=ctx.action)
    codes, problems = [], []
    needed = ACTIONS.get(ctx.action, "can_view")
    if not perms[needed]:
        codes.append("KEY_MISSING_SCOPE")
        problems.append(f"the key cannot {ctx.action}")
    if ctx.portfolio_id and data.get("portfolio_uuid") and (
        data["portfolio_uuid"].lower() != ctx.portfolio_id.strip().lower()
    ):
        codes.append("PORTFOLIO_MISMATCH")
        problems.append("the key belongs to another portfolio than the case's")
    if details.get("customer_ip_allowed") is False:
        codes.append("KEY_IP_NOT_ALLOWED")
        problems.append("the customer's IP is not in the key's allowlist")
    allowed = ", ".join(n[4:] for n, v in perms.items() if v) or "nothing"
    summary = f"The key may {allowed}; portfolio {data.get('portfolio_type', '?')}."
    if problems:
        summary = summary[:-1] + ": " + "; ".join(problems) + "."
    return finish("key.permissions", Status.FAIL if codes else Status.PASS, summary, codes,
                  details=details, evidence=evidence)
