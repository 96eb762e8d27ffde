"""run_check: run one registered check so that it never raises and is always timed."""

from __future__ import annotations

import logging
import time

from diagnostics.checks.base import CHECKS, CheckResult, RunContext, Status
from diagnostics.codes import advice_for
from triage.redaction import redact_text

logger = logging.getLogger(__name__)


def _safe_message(exc: BaseException, ctx: RunContext) -> str:
    text = f"{type(exc).__name__}: {exc}"
    creds = ctx.credentials
    if creds is not None and creds.key_secret:
        secret = creds.key_secret.strip()
        for fragment in {secret, secret.replace("\n", "\\n")}:
            if fragment:
                text = text.replace(fragment, "[REDACTED]")
    return redact_text(text)[:500]


def run_check(check_id: str, ctx: RunContext) -> CheckResult:
    """Run a check by id. An unknown id or a crash becomes an `error` result."""
    started = time.monotonic()
    spec = CHECKS.get(check_id)
    if spec is None:
        result = CheckResult(check_id, Status.ERROR, f"Unknown check {check_id!r}.",
                             ["CHECK_CRASHED"])
    else:
        try:
            result = spec.func(ctx)
        except Exception as exc:  # noqa: BLE001 - one check must never take down a run
            message = _safe_message(exc, ctx)
            logger.warning("diagnostic check %s crashed: %s", check_id, message)
            result = CheckResult(check_id, Status.ERROR, f"The check crashed: {message}",
                                 ["CHECK_CRASHED"], advice=advice_for(["CHECK_CRASHED"]))
    if ctx.deadline is not None and time.monotonic() > ctx.deadline + 1.0:
        result.codes = list(dict.fromkeys([*result.codes, "CHECK_TIMEOUT"]))
    result.duration_ms = round((time.monotonic() - started) * 1000, 1)
    return result
