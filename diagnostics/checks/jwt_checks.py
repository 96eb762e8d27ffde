"""jwt.inspect and jwt.clock_skew: a customer's token and clocks, judged by the server clock."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from diagnostics import jwt_tools
from diagnostics.checks.base import CheckResult, RunContext, Status, register
from diagnostics.checks.common import finish, rest_host, server_time

METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH"}
SKEW_WARN_S = 5
SKEW_FAIL_S = 30
WARN_ONLY = {"KEY_NAME_FORMAT"}


def _int_claim(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_request_line(text: str) -> tuple[str, str, str]:
    """'GET /api/v3/...?x=1' or 'GET https://host/api/...' → (METHOD, host or '', path)."""
    parts = (text or "").strip().split()
    if len(parts) < 2:
        return "", "", ""
    method, target = parts[0].upper(), parts[1]
    if "://" in target:
        try:
            split = urlsplit(target)
        except ValueError:
            return method, "", ""
        return method, split.netloc.lower(), split.path
    if not target.startswith("/"):
        host, _, path = target.partition("/")
        return method, host.lower(), "/" + path.split("?", 1)[0]
    return method, "", target.split("?", 1)[0]


def analyse_uri(uri, expected_host: str, customer_request: str = "") -> tuple[list, list]:
    """Codes and notes for a REST token's uri claim."""
    codes, notes = [], []
    if not isinstance(uri, str) or not uri:
        return ["JWT_URI_MISSING"], ["a REST token needs uri = 'METHOD host/path'"]
    match = re.fullmatch(r"(\S+) (\S+)", uri)
    if not match:
        return ["JWT_URI_MALFORMED"], ["uri must be the method, one space, then host and path"]
    method, rest = match.groups()
    if method not in METHODS:
        codes.append("JWT_URI_MALFORMED")
        notes.append(f"method {method!r} must be an upper-case HTTP method")
    if "://" in rest:
        codes.append("JWT_URI_MALFORMED")
        notes.append("uri carries a scheme (https://); it must start with the host")
        rest = rest.split("://", 1)[1]
    host, slash, path = rest.partition("/")
    path = slash + path
    if "?" in path:
        codes.append("JWT_URI_HAS_QUERY")
        notes.append("uri includes the query string; sign the path only")
        path = path.split("?", 1)[0]
    if host.lower() != expected_host:
        codes.append("JWT_URI_WRONG_HOST")
        notes.append(f"uri host is {host!r}; requests go to {expected_host!r}")
    if not path.startswith("/api/v3/brokerage/"):
        codes.append("JWT_URI_MALFORMED")
        notes.append("uri path must start with /api/v3/brokerage/")
    if customer_request:
        want_method, want_host, want_path = parse_request_line(customer_request)
        if want_method and (want_method != method.upper() or want_path != path):
            codes.append("JWT_URI_MISMATCH")
            notes.append(f"signed for {method} {path}, sent as {want_method} {want_path}")
    return codes, notes


def _expected_host(ctx: RunContext) -> str:
    _, host, _ = parse_request_line(ctx.customer_request)
    return (host or ctx.options.get("jwt_host") or rest_host(ctx)).lower()


def _clock(ctx: RunContext, evidence: list) -> tuple[float, str]:
    if ctx.options.get("server_time") is not None:
        return float(ctx.options["server_time"]), "given"
    server, _reason = server_time(ctx, evidence)
    if server is None:
        return time.time(), "worker (server clock unreachable)"
    return server, "server"


@register("jwt.inspect", "Customer JWT", description="Decodes a pasted token without trusting "
          "it and checks every header field and claim against the server clock.")
def jwt_inspect(ctx: RunContext) -> CheckResult:
    token = (ctx.customer_jwt or "").strip()
    if not token:
        return finish("jwt.inspect", Status.SKIPPED, "No customer JWT was given.", [])
    decoded = jwt_tools.decode_unverified(token)
    details: dict = {"token": decoded.header_and_claims(), "notes": list(decoded.problems)}
    if not decoded.ok:
        return finish("jwt.inspect", Status.FAIL, "The token is not a well-formed JWT.",
                      ["JWT_MALFORMED"], details=details)
    header, claims, codes, notes = decoded.header, decoded.claims, [], details["notes"]
    alg = header.get("alg")
    if alg not in jwt_tools.ALLOWED_ALGS:
        codes.append("JWT_BAD_ALG")
        notes.append(f"alg is {alg!r}; only ES256 and EdDSA are accepted")
    kid = header.get("kid")
    if not kid or not isinstance(kid, str):
        codes.append("JWT_MISSING_KID")
    elif claims.get("sub") != kid:
        codes.append("JWT_KID_SUB_MISMATCH")
    if isinstance(kid, str) and kid and jwt_tools.key_name_format(kid) == "unknown":
        codes.append("KEY_NAME_FORMAT")
    if not header.get("nonce"):
        codes.append("JWT_MISSING_NONCE")
    if claims.get("iss") != "cdp":
        codes.append("JWT_BAD_ISS")
        if claims.get("iss") == "coinbase-cloud":
            notes.append("iss 'coinbase-cloud' comes from SDKs before 1.4.1")
    nbf, exp = _int_claim(claims.get("nbf")), _int_claim(claims.get("exp"))
    evidence: list = []
    if nbf is None or exp is None:
        codes.append("JWT_MALFORMED")
        notes.append("nbf and exp must both be integers (epoch seconds)")
    else:
        now, source = _clock(ctx, evidence)
        details.update(clock=source, server_time=int(now), lifetime_s=exp - nbf,
                       seconds_until_expiry=round(exp - now, 1))
        if exp - nbf > jwt_tools.JWT_LIFETIME:
            codes.append("JWT_LIFETIME_TOO_LONG")
        if exp <= nbf:
            codes.append("JWT_MALFORMED")
            notes.append("exp is not after nbf")
        if now < nbf:
            codes.append("JWT_NOT_YET_VALID")
            notes.append(f"nbf is {nbf - now:.0f} s ahead of the server clock")
        elif now >= exp:
            codes.append("JWT_EXPIRED")
            notes.append(f"expired {now - exp:.0f} s ago by the server clock")
    use = ctx.options.get("jwt_use") or ("rest" if ctx.customer_request or "uri" in claims
                                         else "ws")
    details["use"] = use
    if use == "rest":
        uri_codes, uri_notes = analyse_uri(claims.get("uri"), _expected_host(ctx),
                                           ctx.customer_request)
        codes += uri_codes
        notes += uri_notes
    elif "uri" in claims:
        notes.append("a WebSocket token needs no uri claim")
    key_material = ctx.public_key_pem or (ctx.credentials.key_secret if ctx.credentials else "")
    if key_material and alg in jwt_tools.ALLOWED_ALGS:
        verified, reason = jwt_tools.verify_signature(token, key_material)
        details["signature"] = reason
        if not verified:
            codes.append("JWT_SIGNATURE_INVALID")
            if "different algorithm" in reason:
                codes.append("JWT_BAD_ALG")
    elif key_material:
        details["signature"] = "not verified: the token's alg is not acceptable"
    else:
        details["signature"] = "not verified: no public key or key secret given"
    codes = list(dict.fromkeys(codes))
    failing = [c for c in codes if c not in WARN_ONLY]
    status = Status.FAIL if failing else Status.WARN if codes else Status.PASS
    summary = (
        "The token is well formed and valid by the server clock." if not codes
        else f"The token has {len(codes)} problem(s): " + ", ".join(codes) + "."
    )
    return finish("jwt.inspect", status, summary, codes, details=details, evidence=evidence)


@register("jwt.clock_skew", "Clock skew", description="Compares the customer's clock (from a "
          "fresh token's nbf or an entered timestamp) and the worker's with the server clock.")
def jwt_clock_skew(ctx: RunContext) -> CheckResult:
    evidence: list = []
    failure: list[str] = []
    server, reason = server_time(ctx, evidence, failure)
    if server is None:
        return finish("jwt.clock_skew", Status.ERROR,
                      f"Could not read the server clock: {reason}.", failure,
                      details={"error": reason}, evidence=evidence)
    worker_skew = round(time.time() - server, 2)
    details: dict = {"server_time": round(server, 3), "worker_skew_s": worker_skew}
    codes, status, lines = [], Status.PASS, [f"worker clock {worker_skew:+.1f} s"]
    if abs(worker_skew) > SKEW_WARN_S:
        codes.append("CLOCK_SKEW")
        status = Status.FAIL if abs(worker_skew) > SKEW_FAIL_S else Status.WARN
    customer_skew, source = None, ""
    if ctx.customer_time is not None:
        customer_skew, source = round(ctx.customer_time - server, 2), "entered time"
    elif ctx.customer_jwt:
        nbf = _int_claim(jwt_tools.decode_unverified(ctx.customer_jwt).claims.get("nbf"))
        if nbf is not None:
            customer_skew, source = round(nbf - server, 2), "token nbf"
    if customer_skew is not None:
        details.update(customer_skew_s=customer_skew, customer_source=source)
        lines.append(f"customer clock {customer_skew:+.1f} s ({source})")
        behind_limit = -jwt_tools.JWT_LIFETIME if source == "token nbf" else -SKEW_WARN_S
        if customer_skew > SKEW_WARN_S or customer_skew < behind_limit:
            codes.append("CLOCK_SKEW")
            ahead = customer_skew > 0
            severe = customer_skew > SKEW_FAIL_S or (source != "token nbf"
                                                     and customer_skew < -SKEW_FAIL_S)
            status = Status.FAIL if severe or (ahead and source == "token nbf") else max(
                status, Status.WARN, key=[Status.PASS, Status.WARN, Status.FAIL].index)
            if source == "token nbf" and not ahead:
                details["note"] = ("the token is older than its lifetime: the customer's clock "
                                   "is behind, or the token was pasted late")
    summary = "Clocks agree with the server: " if not codes else "Clock skew found: "
    return finish("jwt.clock_skew", status, summary + "; ".join(lines) + ".", codes,
                  details=details, evidence=evidence)
