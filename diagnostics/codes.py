"""Finding codes: the stable identifiers a diagnostic check reports.

A code never changes meaning once published: the UI shows it, escalation packets export
it and engineers search for it. `docs/finding-codes.md` is generated from this table
(`python manage.py diagnose --codes-markdown`), and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FindingCode:
    code: str
    title: str
    meaning: str
    advice: str


_TABLE: list[tuple[str, str, str, str]] = [
    # --- JWT ---------------------------------------------------------------------------
    ("JWT_MALFORMED", "Token is not a well-formed JWT",
     "The token is not three base64url segments of JSON, or a claim has the wrong type.",
     "Generate the token with a JWT library (or the official SDK) instead of by hand; "
     "send the token alone, without quotes or a 'Bearer' prefix inside it."),
    ("JWT_BAD_ALG", "Wrong signing algorithm",
     "The header's alg is not ES256 or EdDSA, or does not match the key type "
     "(an Ed25519 key must sign EdDSA, an EC P-256 key ES256).",
     "Sign with ES256 for an ECDSA (PEM) key and EdDSA for an Ed25519 (base64) key; "
     "never 'none' or HS256."),
    ("JWT_MISSING_KID", "No kid in the header",
     "The JWT header has no kid, so the server cannot find the key.",
     "Put the full API key name in the header's kid."),
    ("JWT_KID_SUB_MISMATCH", "kid and sub differ",
     "The header's kid and the claim sub must both be the API key name.",
     "Set both kid and sub to the same API key name."),
    ("JWT_MISSING_NONCE", "No nonce in the header",
     "The JWT header has no nonce.",
     "Add a random nonce (for example 32 random bytes as hex) to the header of every token."),
    ("JWT_BAD_ISS", "Wrong issuer",
     "The iss claim is not 'cdp' ('coinbase-cloud' is the pre-2024 value).",
     "Set iss to 'cdp', or upgrade the SDK."),
    ("JWT_EXPIRED", "Token expired",
     "By the Coinbase server clock the token's exp has passed.",
     "Build a fresh token for every request (they live 2 minutes) and check the clock."),
    ("JWT_NOT_YET_VALID", "Token not yet valid",
     "By the Coinbase server clock the token's nbf is in the future: usually a fast clock.",
     "Synchronise the machine's clock (NTP) and build nbf from the current time."),
    ("JWT_LIFETIME_TOO_LONG", "Token lifetime too long",
     "exp - nbf exceeds the 120 seconds the API accepts.",
     "Set exp to nbf + 120 at most."),
    ("JWT_URI_MISSING", "REST token without uri",
     "A token for a REST call must carry a uri claim.",
     "Add uri = 'METHOD api.coinbase.com/api/v3/brokerage/...' for each REST request."),
    ("JWT_URI_MALFORMED", "uri claim has the wrong shape",
     "The uri must be 'METHOD host/path': upper-case method, one space, no scheme.",
     "Build the uri as f\"{method} api.coinbase.com{path}\" with no https:// prefix."),
    ("JWT_URI_WRONG_HOST", "uri names the wrong host",
     "The uri's host is not the host the request goes to (or carries a port).",
     "Use api.coinbase.com as the uri host, exactly the host the request is sent to."),
    ("JWT_URI_HAS_QUERY", "uri includes a query string",
     "The uri must not contain the query string; the signature then fails for calls "
     "with parameters.",
     "Sign only the method, host and path; leave ?limit=... and other parameters out."),
    ("JWT_URI_MISMATCH", "uri does not match the request",
     "The token was signed for a different method or path than the request it was sent with.",
     "Build a new token for each request, with that request's method and path."),
    ("JWT_SIGNATURE_INVALID", "Signature does not verify",
     "The signature does not verify with the customer's key.",
     "Check that the token is signed with the private key belonging to the key name in kid."),
    ("KEY_NAME_FORMAT", "Unusual key name",
     "The key name is neither 'organizations/{org}/apiKeys/{id}' nor a key id (UUID).",
     "Copy the key name (or id) exactly as the CDP portal shows it."),
    ("CLOCK_SKEW", "Clock skew",
     "A clock differs from the Coinbase server clock by more than a few seconds.",
     "Synchronise the clock with NTP; tokens are valid for 2 minutes from nbf."),
    # --- Keys --------------------------------------------------------------------------
    ("KEY_FORMAT_ESCAPED_NEWLINES", "PEM with escaped newlines",
     "The PEM secret contains literal \\n sequences instead of line breaks.",
     "Replace the literal \\n with real newlines (or load the key from the JSON key file)."),
    ("KEY_FORMAT_WRONG_TYPE", "Wrong key type",
     "The secret is a PEM of an unsupported type or curve (RSA, a public key, not P-256).",
     "Create a CDP API key with ECDSA (P-256) or Ed25519 signing."),
    ("KEY_FORMAT_LEGACY_SECRET", "Legacy or Exchange secret",
     "The secret looks like a retired Coinbase legacy or Exchange/Pro HMAC secret.",
     "Create a CDP API key for Advanced Trade; Exchange and legacy keys do not work here."),
    ("KEY_FORMAT_NAME_AS_SECRET", "Key name pasted as the secret",
     "The secret field holds the key name or key id, not the private key.",
     "Put the private key (PEM or base64) in the secret and the key name in the name."),
    ("KEY_FORMAT_INVALID", "Secret cannot be read",
     "The secret is neither a readable PEM private key nor base64 of 32 or 64 bytes.",
     "Copy the private key again from the downloaded key file, whole and unchanged."),
    ("KEY_UNAUTHORIZED", "Key rejected",
     "The API answered 401: the key is unknown, revoked, or the token did not verify.",
     "Check that the key exists and is enabled in the CDP portal, then re-run."),
    ("KEY_MISSING_SCOPE", "Key lacks a permission",
     "The key cannot do what the customer intends (view, trade or transfer).",
     "Edit the key in the CDP portal and enable the needed permission, or create a new key."),
    ("KEY_IP_NOT_ALLOWED", "Caller IP not allowlisted",
     "The key has an IP allowlist that does not include the caller's address.",
     "Add the server's public IP to the key's allowlist or opt out of IP allowlisting."),
    ("PORTFOLIO_MISMATCH", "Different portfolio",
     "The key belongs to a different portfolio than the one in the case.",
     "Use a key created for the portfolio the customer trades in."),
    # --- Reachability ------------------------------------------------------------------
    ("HOST_WRONG", "Wrong host",
     "The target is an Exchange/Pro host, a typo, or the wrong endpoint for this purpose.",
     "Use api.coinbase.com for REST, advanced-trade-ws.coinbase.com for market data and "
     "advanced-trade-ws-user.coinbase.com for user data."),
    ("HOST_NOT_ALLOWED", "Target refused",
     "The target is not on the diagnostics allow-list, or resolves to a private address.",
     "Run diagnostics against the Coinbase hosts (or the configured sandbox) only."),
    ("DNS_FAILED", "DNS lookup failed",
     "The host name did not resolve.",
     "Check the host name spelling and the machine's DNS."),
    ("TCP_FAILED", "TCP connection failed",
     "The TCP connection was refused or timed out.",
     "Check firewalls and outbound proxies between the customer and Coinbase."),
    ("TLS_FAILED", "TLS handshake failed",
     "The TLS handshake failed or the certificate did not verify.",
     "Check for TLS-intercepting proxies and an up-to-date CA bundle."),
    ("HTTP_UNEXPECTED_STATUS", "Unexpected HTTP status",
     "The endpoint answered with an unexpected status or a redirect (not followed).",
     "Check the URL; the API does not redirect."),
    ("SERVER_ERRORS", "Server errors",
     "The API answered 5xx; the check backed off and retried.",
     "Retry with exponential backoff; escalate if it persists across customers."),
    # --- Balances and orders -----------------------------------------------------------
    ("INSUFFICIENT_AVAILABLE", "Not enough available",
     "The available balance does not cover the intended order.",
     "Reduce the order size or fund the account; holds are not spendable."),
    ("FUNDS_ON_HOLD", "Funds on hold",
     "Part of the balance is on hold, usually for open orders.",
     "Cancel or wait for the open orders listed in the evidence to release the hold."),
    ("PAGINATION_INCONSISTENT", "Inconsistent pagination",
     "Pages repeat items, break the sort order, or has_next and cursor disagree.",
     "Pass the previous response's cursor with the same filters, and stop when has_next "
     "is false."),
    ("PRODUCT_UNKNOWN", "Unknown product",
     "The product id is not a product the API knows, or no account exists for a currency.",
     "Use a product id such as BTC-USD exactly as /products lists it."),
    # --- Rate limits -------------------------------------------------------------------
    ("RATE_LIMITED", "Rate limited (429)",
     "The API answered 429 Too Many Requests.",
     "Back off exponentially with jitter and keep under 30 private requests a second."),
    # --- WebSocket ---------------------------------------------------------------------
    ("WS_SUBSCRIBE_TIMEOUT", "No subscription acknowledgement",
     "The WebSocket did not acknowledge the subscription in time.",
     "Subscribe within 5 seconds of connecting, one message per channel."),
    ("WS_AUTH_FAILED", "WebSocket authentication failure",
     "The server answered 'authentication failure' to a subscribe.",
     "Send a fresh JWT (no uri) in every subscribe message for user channels."),
    ("WS_RATE_LIMITED", "WebSocket message limit",
     "The server refused messages over the WebSocket rate limit "
     "(8 unauthenticated messages a second per IP).",
     "Batch product ids into one subscribe per channel, and authenticate."),
    ("WS_SEQUENCE_GAP", "Sequence gap",
     "sequence_num jumped by more than one: messages were missed.",
     "Resubscribe to get a fresh snapshot when a gap is seen."),
    ("WS_HEARTBEAT_GAP", "Heartbeat gap",
     "The heartbeat counter skipped, or heartbeats stopped arriving.",
     "Subscribe to heartbeats and reconnect when they stop."),
    ("WS_DISCONNECTED", "WebSocket disconnected",
     "The server closed the connection before the check finished.",
     "Reconnect with backoff and resubscribe every channel, heartbeats included."),
    ("WS_ERROR", "WebSocket error message",
     "The server sent an error message not covered by another code.",
     "Read the error message in the evidence."),
    # --- Any check ---------------------------------------------------------------------
    ("CHECK_CRASHED", "Check crashed",
     "The diagnostic itself failed unexpectedly; other checks are unaffected.",
     "Re-run; if it repeats, report it to the tool's maintainers."),
    ("CHECK_TIMEOUT", "Check ran out of time",
     "The check reached the run's deadline before finishing.",
     "Re-run; a slow network or server may be the cause."),
]

CODES: dict[str, FindingCode] = {row[0]: FindingCode(*row) for row in _TABLE}


def describe(code: str) -> FindingCode:
    """The entry for a code; an unknown code gets a neutral entry instead of an error."""
    return CODES.get(code) or FindingCode(code, code, "", "")


def advice_for(codes: list[str]) -> str:
    """The advice for a list of codes, one sentence per distinct code, in order."""
    seen: list[str] = []
    for code in codes:
        advice = describe(code).advice
        if advice and advice not in seen:
            seen.append(advice)
    return " ".join(seen)


def markdown_table() -> str:
    lines = [
        "# Finding codes",
        "",
        "Generated from `diagnostics/codes.py`; do not edit by hand.",
        "",
        "| Code | Title | Meaning | Advice |",
        "|---|---|---|---|",
    ]
    for entry in CODES.values():
        cells = [f"`{entry.code}`", entry.title, entry.meaning, entry.advice]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "finding-codes.md"


def write_docs(path: Path = DOCS_PATH) -> Path:
    path.write_text(markdown_table(), encoding="utf-8")
    return path
