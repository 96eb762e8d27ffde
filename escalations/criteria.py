"""The module's "when to escalate" criteria, evaluated from evidence, each with a reason.

Plain data in, plain data out: the packet builder and its tests call these directly.
The criteria's titles live in the database (triage's knowledge rows); the rules that
evaluate them live here, keyed by the criterion's position in the module's list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

AUTH_FAILURE_CODES = {"KEY_UNAUTHORIZED", "WS_AUTH_FAILED"}
TOKEN_CHECKS = {"jwt.inspect", "jwt.clock_skew", "key.format"}
ENDPOINT_CHECKS = {"reach.rest", "reach.ws_market", "reach.ws_user"}
TOKEN_PROBLEM_PREFIXES = ("JWT_", "CLOCK_SKEW", "KEY_FORMAT_")
ENDPOINT_PROBLEM_CODES = {"HOST_WRONG", "DNS_FAILED", "TCP_FAILED", "TLS_FAILED"}
# Problems on the customer's side that explain an authentication failure on their own.
CUSTOMER_AUTH_CODES = {"KEY_MISSING_SCOPE", "KEY_IP_NOT_ALLOWED", "PORTFOLIO_MISMATCH"}
ORDER_DISCREPANCY_CODES = {"PAGINATION_INCONSISTENT", "ORDER_STATUS_DISCREPANCY"}
SUBSCRIPTION_CODES = {"WS_SUBSCRIBE_TIMEOUT", "WS_AUTH_FAILED", "WS_RATE_LIMITED"}
WS_INSTABILITY_CODES = {
    "WS_DISCONNECTED",
    "WS_SEQUENCE_GAP",
    "WS_HEARTBEAT_GAP",
    "WS_SUBSCRIBE_TIMEOUT",
}

DEFAULT_TITLES = [
    "Consistent authentication failures with valid tokens and correct endpoints",
    "Order status discrepancies vs. docs or widespread subscription issues",
    "WebSocket service instability across multiple developers",
]


@dataclass
class RunFinding:
    """One check result of one diagnostic run (or one evidence item, run_id = "evidence")."""

    run_id: str
    check_id: str
    status: str
    codes: list[str] = field(default_factory=list)


@dataclass
class CriteriaInput:
    findings: list[RunFinding]
    # (source, status) of pasted exchanges; diagnostic exchanges count through their findings.
    rest_statuses: list[tuple[str, int]] = field(default_factory=list)
    # Distinct key prefixes (other developers included) that saw each code recently.
    prefixes_by_code: dict[str, set[str]] = field(default_factory=dict)
    own_prefix: str = ""
    min_prefixes: int = 3


@dataclass
class CriterionResult:
    key: str
    title: str
    met: bool
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def _codes(findings, only: set[str] | None = None) -> set[str]:
    return {c for f in findings for c in f.codes if only is None or c in only}


def _auth_failure_runs(data: CriteriaInput) -> set[str]:
    runs = {f.run_id for f in data.findings if set(f.codes) & AUTH_FAILURE_CODES}
    runs |= {run for run, status in data.rest_statuses if status == 401}
    return runs


def evaluate_auth(data: CriteriaInput) -> tuple[bool, str]:
    runs = _auth_failure_runs(data)
    if len(runs) < 2:
        return False, (
            f"Authentication failed in {len(runs)} run(s) or pasted exchange(s); the module "
            "asks for consistent failures (two or more) before escalating."
        )
    token = [f for f in data.findings if f.check_id in TOKEN_CHECKS]
    endpoint = [f for f in data.findings if f.check_id in ENDPOINT_CHECKS]
    token_problems = sorted(
        c for c in _codes(token + data.findings) if c.startswith(TOKEN_PROBLEM_PREFIXES)
    )
    endpoint_problems = sorted(_codes(data.findings, ENDPOINT_PROBLEM_CODES))
    endpoint_problems += sorted(c for c in _codes(data.findings) if c.startswith("JWT_URI_"))
    customer = sorted(_codes(data.findings, CUSTOMER_AUTH_CODES))
    if token_problems:
        return False, (
            f"Authentication failed in {len(runs)} runs, but the token checks found "
            f"{', '.join(token_problems)}: fix the token first."
        )
    if endpoint_problems:
        return False, (
            f"Authentication failed in {len(runs)} runs, but the endpoint checks found "
            f"{', '.join(sorted(set(endpoint_problems)))}: correct the endpoint first."
        )
    if customer:
        return False, (
            f"Authentication failed in {len(runs)} runs, explained by {', '.join(customer)} "
            "on the customer's key."
        )
    if not any(f.status == "pass" for f in token) or not any(f.status == "pass" for f in endpoint):
        missing = [
            name
            for name, rows in (("token", token), ("endpoint", endpoint))
            if not any(f.status == "pass" for f in rows)
        ]
        return False, (
            f"Authentication failed in {len(runs)} runs, but no passing "
            f"{' or '.join(missing)} check shows the token and endpoint are valid yet."
        )
    return True, (
        f"Authentication failed in {len(runs)} runs or pasted exchanges while the token "
        "checks and the endpoint checks pass."
    )


def _spread(data: CriteriaInput, codes: set[str]) -> tuple[str, int]:
    """The code seen by the most distinct key prefixes, with that count."""
    best, count = "", 0
    for code in sorted(codes):
        prefixes = set(data.prefixes_by_code.get(code, set()))
        if data.own_prefix:
            prefixes.add(data.own_prefix)
        if len(prefixes) > count:
            best, count = code, len(prefixes)
    return best, count


def evaluate_orders_or_subscriptions(data: CriteriaInput) -> tuple[bool, str]:
    discrepancies = sorted(
        c
        for f in data.findings
        if f.status in ("fail", "warn")
        for c in f.codes
        if c in ORDER_DISCREPANCY_CODES
    )
    if discrepancies:
        return True, (
            f"The orders check found {', '.join(sorted(set(discrepancies)))}: results "
            "differ from the documented behaviour."
        )
    subscription = _codes(data.findings, SUBSCRIPTION_CODES)
    if not subscription:
        return False, "No order status discrepancy and no subscription failure in the evidence."
    code, count = _spread(data, subscription)
    if count >= data.min_prefixes:
        return True, (
            f"{code} was seen for {count} distinct key prefixes recently: the subscription "
            "issue is widespread."
        )
    return False, (
        f"{code} was seen for {count} key prefix(es) so far; widespread means "
        f"{data.min_prefixes} or more."
    )


def evaluate_ws_instability(data: CriteriaInput) -> tuple[bool, str]:
    unstable = _codes(data.findings, WS_INSTABILITY_CODES)
    if not unstable:
        return False, "No WebSocket instability (disconnects, gaps, subscribe timeouts) seen."
    code, count = _spread(data, unstable)
    if count >= data.min_prefixes:
        return True, f"{code} was seen for {count} distinct developers (key prefixes) recently."
    return False, (
        f"{code} was seen for {count} developer(s) so far; the module escalates "
        f"instability across {data.min_prefixes} or more."
    )


RULES = [evaluate_auth, evaluate_orders_or_subscriptions, evaluate_ws_instability]


def criteria_evaluate(
    data: CriteriaInput, criteria: list[tuple[str, str]] | None = None
) -> list[CriterionResult]:
    """Evaluate the three criteria; `criteria` is [(key, title)] in the module's order."""
    if not criteria:
        criteria = [(f"criterion_{i + 1}", title) for i, title in enumerate(DEFAULT_TITLES)]
    results = []
    for (key, title), rule in zip(criteria, RULES, strict=False):
        met, reason = rule(data)
        results.append(CriterionResult(key=key, title=title, met=met, reason=reason))
    return results
