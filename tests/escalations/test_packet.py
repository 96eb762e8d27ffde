"""Packet assembly from plain data, the redaction gate, the schema and the exports."""

import html
import json
from datetime import UTC, datetime

import pytest

from escalations.criteria import CriteriaInput, RunFinding, criteria_evaluate
from escalations.exports import (
    PacketInvalid,
    export,
    export_json,
    export_markdown,
    packet_facts,
    packet_validate,
)
from escalations.packet import (
    PacketRefused,
    content_hash,
    endpoint_signature,
    packet_assemble,
    packet_signatures,
    redaction_gate,
)
from tests.escalations import sample

CREATED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def build(**overrides):
    data = CriteriaInput(
        findings=[RunFinding(f.source, f.check_id, f.status, f.codes) for f in sample.findings()]
    )
    values = dict(
        case=sample.case_facts(),
        version=1,
        created_by="agent1",
        created_at=CREATED,
        exchanges=[sample.exchange()],
        ws_messages=sample.ws_messages(),
        findings=sample.findings(),
        criteria=[c.to_dict() for c in criteria_evaluate(data)],
        summary="Every private call answers 401 although the token inspects clean.",
        steps_tried="Regenerated the JWT; checked the clock; checked the host.",
        jwt_issued_at="2026-11-24T09:13:58Z",
    )
    values.update(overrides)
    return packet_assemble(**values)


def test_document_follows_schema_and_carries_the_collect_list():
    doc = build()
    packet_validate(doc)
    assert doc["context"] == {
        "key_prefix": "3f9a1c22",
        "portfolio_id": sample.PORTFOLIO,
        "product_id": "BTC-USD",
        "environment": "production",
    }
    assert doc["correlation_ids"] == sorted([sample.REQUEST_ID, sample.CF_RAY])
    assert doc["time_range"]["first"] == "2026-11-24T09:12:03Z"
    assert doc["websocket"]["channels"] == ["user"]
    assert doc["websocket"]["jwt_issued_at"] == "2026-11-24T09:13:58Z"
    assert doc["codes"] == ["KEY_UNAUTHORIZED"]
    meter = doc["completeness"]
    assert meter["missing"] == []
    assert meter["present"] == meter["required"] == 10
    assert doc["criteria"][0]["met"] is True


def test_content_hash_covers_the_document():
    doc = build()
    assert doc["content_hash"] == content_hash(doc)
    changed = dict(doc, summary="something else")
    assert content_hash(changed) != doc["content_hash"]


def test_missing_items_are_listed():
    doc = build(
        case=sample.case_facts(portfolio_id="", product_id=""),
        exchanges=[sample.exchange(correlation_ids={}, response_headers={})],
        ws_messages=[],
    )
    assert doc["completeness"]["missing"] == [
        "Portfolio ID",
        "Product pair",
        "Full REST request and response with headers",
        "Correlation IDs",
    ]
    assert doc["completeness"]["percent"] == 33  # 2 of 6: WebSocket items do not apply
    states = {i["key"]: i["state"] for i in doc["completeness"]["items"]}
    assert states["ws_endpoint"] == "not_applicable"


def test_websocket_scenario_requires_websocket_items():
    doc = build(case=sample.case_facts(scenario="websocket"), ws_messages=[])
    assert "WebSocket endpoint used" in doc["completeness"]["missing"]
    assert "Sample WebSocket messages" in doc["completeness"]["missing"]


def test_copied_evidence_is_redacted_again():
    whole = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJrIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    doc = build(
        exchanges=[
            sample.exchange(
                request_headers={"Authorization": f"Bearer {whole}", "Cookie": "session=abc"},
                response_body=f'{{"echo":"{whole}"}}',
            )
        ]
    )
    text = json.dumps(doc)
    assert "c2lnbmF0dXJlLXNpZ25hdHVyZQ" not in text
    assert "session=abc" not in text
    assert "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJrIn0" in text
    redaction_gate(doc)


def test_gate_refuses_a_secret_typed_by_the_agent_and_says_where():
    pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----"
    doc = build(summary=f"Customer key:\n{pem}")
    with pytest.raises(PacketRefused) as refused:
        redaction_gate(doc)
    assert "$.summary" in str(refused.value)
    assert "PEM private key" in str(refused.value)
    with pytest.raises(PacketRefused):
        export_markdown(doc)


def test_schema_rejects_a_signed_jwt_and_a_long_key_prefix():
    doc = build()
    doc["steps_tried"] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
    doc["context"]["key_prefix"] = "organizations/x"
    with pytest.raises(PacketInvalid) as invalid:
        packet_validate(doc)
    assert "$.context.key_prefix" in str(invalid.value)
    assert "$.steps_tried" in str(invalid.value)


def test_markdown_and_html_carry_the_same_facts():
    doc = build(
        case=sample.case_facts(portfolio_id=""),
        summary="A | pipe and\ntwo lines",
        gap_reason="Customer cannot share the portfolio id today.",
    )
    markdown = export(doc, "md")
    page = html.unescape(export(doc, "html"))
    facts = packet_facts(doc)
    assert "Portfolio ID" in facts and "Customer cannot share" not in facts
    for fact in facts:
        for line in fact.splitlines():
            assert line in page, line
            assert line in markdown.replace("\\|", "|"), line
    assert "Customer cannot share the portfolio id today." in markdown
    assert "Customer cannot share the portfolio id today." in page
    assert json.loads(export_json(doc)) == doc


def test_endpoint_signature_and_packet_signatures():
    assert (
        endpoint_signature("https://api.coinbase.com/api/v3/brokerage/products/BTC-USD?x=1")
        == "/api/v3/brokerage/products/{product_id}"
    )
    assert (
        endpoint_signature(
            "/api/v3/brokerage/orders/historical/0f3c1a52-8d3b-4c7e-9a51-2b1f6d0c9e47"
        )
        == "/api/v3/brokerage/orders/historical/{id}"
    )
    assert endpoint_signature("wss://advanced-trade-ws-user.coinbase.com/") == (
        "wss://advanced-trade-ws-user.coinbase.com"
    )
    doc = build(findings=sample.findings() + [])
    assert packet_signatures(doc) == [("KEY_UNAUTHORIZED", "/api/v3/brokerage/accounts")]
