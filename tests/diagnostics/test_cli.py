"""The terminal commands: diagnose, inspect_jwt, make_jwt (the same code the workers run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from coinbase import jwt_generator
from django.core.management import call_command
from django.core.management.base import CommandError

from diagnostics import jwt_tools
from tests.diagnostics.test_checks_jwt import KEY_NAME, ec_pem, ed_b64

ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def pem_file(tmp_path):
    secret = ec_pem()
    path = tmp_path / "secret.pem"
    path.write_text(secret)
    return path, secret


def test_make_jwt_for_rest_and_websocket(pem_file):
    path, secret = pem_file
    uri = "GET api.coinbase.com/api/v3/brokerage/products"
    token = run("make_jwt", "--key-name", KEY_NAME, "--key-secret-file", str(path), "--uri", uri)
    assert jwt_tools.verify_signature(token.strip(), secret)[0]
    claims = jwt_tools.decode_unverified(token).claims
    assert claims["uri"] == uri and claims["sub"] == KEY_NAME
    ws_token = run("make_jwt", "--key-name", KEY_NAME, "--key-secret-file", str(path))
    assert "uri" not in jwt_tools.decode_unverified(ws_token).claims


def test_make_jwt_reads_a_cdp_key_json_file(tmp_path):
    secret = ed_b64()
    path = tmp_path / "cdp_api_key.json"
    path.write_text(json.dumps({"id": "9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff",
                                "privateKey": secret}))
    token = run("make_jwt", "--key-secret-file", str(path))
    decoded = jwt_tools.decode_unverified(token)
    assert decoded.header["alg"] == "EdDSA"
    assert decoded.header["kid"] == "9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff"


def test_make_jwt_refuses_bad_input_without_echoing_the_secret(tmp_path, pem_file):
    path, _secret = pem_file
    with pytest.raises(CommandError, match="--uri must look like"):
        run("make_jwt", "--key-name", KEY_NAME, "--key-secret-file", str(path),
            "--uri", "https://api.coinbase.com/api/v3/brokerage/products?limit=1")
    bad = tmp_path / "bad.txt"
    bad.write_text("definitely-not-a-key-0123456789")
    with pytest.raises(CommandError) as excinfo:
        run("make_jwt", "--key-name", KEY_NAME, "--key-secret-file", str(bad))
    assert "definitely-not-a-key" not in str(excinfo.value)
    with pytest.raises(CommandError, match="cannot read"):
        run("make_jwt", "--key-name", KEY_NAME, "--key-secret-file", str(tmp_path / "none"))


def test_inspect_jwt_json_and_text(pem_file):
    _path, secret = pem_file
    token = jwt_generator.build_rest_jwt("GET api.coinbase.com/api/v3/brokerage/accounts",
                                         KEY_NAME, secret)
    data = json.loads(run("inspect_jwt", token, "--server-time", str(int(time.time())),
                          "--request", "GET /api/v3/brokerage/accounts", "--json"))
    assert data["id"] == "jwt.inspect" and data["status"] == "pass" and data["codes"] == []
    assert token.rsplit(".", 1)[1] not in json.dumps(data)
    text = run("inspect_jwt", token, "--server-time", str(int(time.time()) + 600))
    assert "JWT_EXPIRED" in text and "Claims:" in text and "Advice:" in text


def test_diagnose_against_the_sandbox_json(sandbox, tmp_path):
    key = sandbox.control.create_key("ES256", permissions=["view"])
    secret_path = tmp_path / "key.pem"
    secret_path.write_text(key["private_key"])
    started = time.monotonic()
    out = run("diagnose", "--rest-base", sandbox.base_url, "--ws-market", sandbox.ws_market_url,
              "--ws-user", sandbox.ws_user_url, "--key-name", key["key_name"],
              "--key-secret-file", str(secret_path), "--product", "BTC-USD",
              "--action", "trade", "--json",
              "--checks", "key.permissions,reach.rest,ws.market,balances,rate_limit")
    elapsed = time.monotonic() - started
    data = json.loads(out)
    by_id = {c["id"]: c for c in data["checks"]}
    assert list(by_id) == ["key.permissions", "reach.rest", "ws.market", "balances",
                           "rate_limit"]
    for check in data["checks"]:
        assert set(check) >= {"id", "status", "codes", "summary", "duration_ms", "evidence"}
    assert by_id["key.permissions"]["codes"] == ["KEY_MISSING_SCOPE"]
    assert by_id["reach.rest"]["status"] == "pass"
    assert by_id["key.permissions"]["evidence"][0]["correlation_ids"]
    body = key["private_key"].strip().splitlines()[1]
    assert body not in out
    durations = [c["duration_ms"] / 1000 for c in data["checks"]]
    assert elapsed < sum(durations) - 0.3  # the checks ran in parallel, not one after another


def test_diagnose_readable_report_and_errors(sandbox):
    text = run("diagnose", "--rest-base", sandbox.base_url, "--checks", "reach.rest,balances")
    assert "PASS  reach.rest" in text and "SKIP  balances" in text and "Totals:" in text
    with pytest.raises(CommandError, match="unknown check"):
        run("diagnose", "--checks", "nope")
    with pytest.raises(CommandError, match="--key-secret-file"):
        run("diagnose", "--key-name", KEY_NAME, "--checks", "reach.rest")
    listing = run("diagnose", "--list")
    assert "ws.user" in listing and "Market WebSocket" in listing


def test_diagnose_runs_as_a_real_command(tmp_path):
    token = jwt_tools.build_jwt(KEY_NAME, ec_pem())
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings", VAR_DIR=str(tmp_path))
    completed = subprocess.run(
        [sys.executable, "manage.py", "diagnose", "--jwt", token, "--checks", "jwt.inspect",
         "--rest-base", "http://127.0.0.1:1", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    check = json.loads(completed.stdout)["checks"][0]
    assert check["id"] == "jwt.inspect"
    assert check["details"]["clock"].startswith("worker")  # the server clock was unreachable
    assert token.rsplit(".", 1)[1] not in completed.stdout + completed.stderr
