"""Packets from cases reproduced on the real sandbox, and the canary that must never leak."""

from __future__ import annotations

import html
import json

import pytest
import requests
from django.apps import apps

from diagnostics.services import check_run_execute, run_start
from escalations.exports import packet_facts, packet_validate
from escalations.services import escalation_submit, packet_export
from sandbox.client import build_jwt
from tests.fixtures.escalations import all_refs, ws_messages_raw
from triage.models import Scenario
from triage.services import case_create, evidence_add

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]
CHECKS = ["jwt.inspect", "reach.rest", "key.permissions", "ws.user"]


def raw_http(response: requests.Response) -> str:
    """The exchange as an agent pastes it from curl -v or a proxy log."""
    request = response.request
    lines = [f"{request.method} {request.url} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in request.headers.items()]
    lines += ["", f"HTTP/1.1 {response.status_code} {response.reason}"]
    lines += [f"{k}: {v}" for k, v in response.headers.items()]
    return "\n".join([*lines, "", response.text])


def reproduce(sandbox, agent, *, key_name, key_secret, token, portfolio):
    case = case_create(
        subject="Private endpoints answer 401",
        scenario=Scenario.objects.get(slug="api-keys-not-working"),
        created_by=agent,
        key_prefix=key_name,
        portfolio_id=portfolio,
        product_id="BTC-USD",
    )
    response = requests.get(
        f"{sandbox.base_url}/api/v3/brokerage/accounts",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 401
    evidence_add(case=case, raw=raw_http(response), kind="rest", by=agent)
    evidence_add(case=case, raw=ws_messages_raw(token), kind="ws", by=agent)
    run = run_start(
        case=case,
        by=agent,
        checks=CHECKS,
        key_name=key_name,
        key_secret=key_secret,
        customer_jwt=token,
        rest_base=sandbox.base_url,
        ws_market_url=sandbox.ws_market_url,
        ws_user_url=sandbox.ws_user_url,
        product_id="BTC-USD",
        portfolio_id=portfolio,
    )
    for check_run in run.check_runs.all():
        check_run_execute(check_run_id=check_run.pk)
    return case


def test_packet_from_a_sandbox_reproduced_case(sandbox, agent):
    key = sandbox.control.create_key(permissions=("view",))
    # The customer signs for the wrong path: the sandbox refuses with 401.
    token = build_jwt(
        key["key_name"], key["private_key"], f"GET {sandbox.host}/api/v3/brokerage/orders"
    )
    case = reproduce(
        sandbox,
        agent,
        key_name=key["key_name"],
        key_secret=key["private_key"],
        token=token,
        portfolio=key["portfolio_uuid"],
    )
    packet = escalation_submit(
        case=case, by=agent, refs=all_refs(case), summary="401 on /accounts.", steps_tried="JWT."
    )
    doc = packet.document
    packet_validate(doc)
    assert doc["completeness"]["missing"] == [], doc["completeness"]
    present = {i["key"] for i in doc["completeness"]["items"] if i["state"] == "present"}
    assert present == {
        "key_prefix",
        "portfolio_id",
        "product_pair",
        "rest_exchange",
        "correlation_ids",
        "timestamps",
        "ws_endpoint",
        "ws_channels",
        "jwt_issued_at",
        "ws_samples",
    }
    assert doc["context"]["key_prefix"] and doc["context"]["key_prefix"] in key["key_name"]
    assert {f["check_id"] for f in doc["findings"]} == set(CHECKS)
    assert any(e["status"] == 401 for e in doc["rest_exchanges"])
    markdown = packet_export(packet=packet, by=agent, fmt="md")
    page = html.unescape(packet_export(packet=packet, by=agent, fmt="html"))
    for fact in packet_facts(doc):
        for line in fact.splitlines():
            assert line in markdown.replace("\\|", "|"), line
            assert line in page, line


def database_text() -> str:
    """Every row of every table (history tables included), as text."""
    chunks = []
    for model in apps.get_models():
        for row in model.objects.values_list():
            chunks.append(json.dumps(row, default=str))
    return "\n".join(chunks)


def test_canary_secret_and_whole_jwt_never_reach_db_or_exports(sandbox, agent, canary):
    case = reproduce(
        sandbox,
        agent,
        key_name=canary.key_name,
        key_secret=canary.key_secret,
        token=canary.jwt,
        portfolio="0f3c1a52-8d3b-4c7e-9a51-2b1f6d0c9e47",
    )
    evidence_add(
        case=case,
        raw=f'{{"COINBASE_API_SECRET": {json.dumps(canary.key_secret)}}}',
        kind="json",
        by=agent,
    )
    packet = escalation_submit(
        case=case,
        by=agent,
        refs=all_refs(case),
        summary="401 with a valid-looking token.",
        steps_tried="Checked the clock.",
        gap_reason="Reproduced on the sandbox only.",
    )
    exports = [packet_export(packet=packet, by=agent, fmt=fmt) for fmt in ("json", "md", "html")]
    stores = {
        "database": database_text(),
        **dict(zip(("json", "md", "html"), exports, strict=True)),
    }
    header_and_claims = canary.jwt.rsplit(".", 1)[0]
    assert header_and_claims in stores["json"]  # the unsigned part may remain
    assert header_and_claims in stores["database"]  # the scan reads the stored evidence
    for name, text in stores.items():
        for needle in canary.needles():
            assert needle not in text, f"{needle[:12]}… found in {name}"
            assert needle not in text.replace("\\n", "\n"), name
