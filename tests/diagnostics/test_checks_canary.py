"""A canary key runs through every check against the sandbox, with every logger at DEBUG:
the secret and any signed JWT appear nowhere in the results, the evidence or the logs."""

from __future__ import annotations

import json
import logging
import time

from diagnostics import jwt_tools
from diagnostics.checks import CHECK_ORDER, Credentials, RunContext, Status, run_check
from triage.redaction import find_secrets


def test_no_secret_or_signed_token_leaves_the_checks(sandbox, caplog, capsys):
    key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    sandbox.control.set_balances(key["portfolio_uuid"], {"USD": "10", "BTC": "0.001"})
    secret = key["private_key"]
    token = jwt_tools.build_jwt(key["key_name"], secret,
                                uri=f"GET {sandbox.host}/api/v3/brokerage/accounts")
    signature = token.rsplit(".", 1)[1]
    caplog.set_level(logging.DEBUG)
    ctx = RunContext(
        rest_base=sandbox.base_url, ws_market_url=sandbox.ws_market_url,
        ws_user_url=sandbox.ws_user_url, product_id="BTC-USD", side="BUY", size="1",
        action="transfer", customer_jwt=token, customer_request="GET /api/v3/brokerage/accounts",
        credentials=Credentials(key["key_name"], secret), deadline=time.monotonic() + 20,
        options={"ws_seconds": 1.0, "rate_probe_calls": 2},
    )
    results = [run_check(check_id, ctx) for check_id in CHECK_ORDER]
    assert all(r.status != Status.ERROR for r in results), [r.summary for r in results]
    dumped = json.dumps([r.to_dict() for r in results], default=str)
    captured = capsys.readouterr()
    everything = dumped + caplog.text + captured.out + captured.err
    pem_lines = [line for line in secret.strip().splitlines() if "-----" not in line]
    assert pem_lines and not any(line in everything for line in pem_lines)
    assert signature not in everything
    assert find_secrets([r.to_dict() for r in results]) == []
    # what was sent is still visible to an engineer, minus signatures
    assert "[REDACTED-SIGNATURE]" in dumped
    assert key["key_name"] in dumped
