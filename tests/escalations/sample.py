"""Plain packet inputs shaped like a real "API keys are not working" case."""

from datetime import UTC, datetime

from escalations.packet import CaseFacts, ExchangeFacts, FindingFacts, WsMessageFacts

OPENED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PORTFOLIO = "0f3c1a52-8d3b-4c7e-9a51-2b1f6d0c9e47"
REQUEST_ID = "7b0d9c1e-4f7a-4a55-9d43-0c2f7e7b9a10"
CF_RAY = "8c1f2e3d4a5b6c7d-EMU"


def case_facts(**overrides) -> CaseFacts:
    values = dict(
        reference="CASE-000042",
        scenario="api_keys",
        scenario_title="API keys are not working",
        priority="high",
        environment="production",
        key_prefix="organizations/acme/apiKeys/3f9a1c22-aaaa-bbbb-cccc-1234567890ab",
        portfolio_id=PORTFOLIO,
        product_id="BTC-USD",
        ticket_reference="ZD-88121",
        opened_at=OPENED,
        agent="agent1",
    )
    values.update(overrides)
    return CaseFacts(**values)


def exchange(**overrides) -> ExchangeFacts:
    values = dict(
        source="evidence:1",
        method="GET",
        url="https://api.coinbase.com/api/v3/brokerage/accounts?limit=49",
        request_headers={
            "Authorization": "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.[REDACTED-SIGNATURE]",
            "Content-Type": "application/json",
        },
        status=401,
        response_headers={"x-request-id": REQUEST_ID, "cf-ray": CF_RAY},
        response_body='{"error":"unauthorized","message":"Unauthorized"}',
        correlation_ids={"x-request-id": REQUEST_ID, "cf-ray": CF_RAY},
        at="2026-11-24T09:12:03Z",
    )
    values.update(overrides)
    return ExchangeFacts(**values)


def ws_messages() -> list[WsMessageFacts]:
    endpoint = "wss://advanced-trade-ws-user.coinbase.com"
    return [
        WsMessageFacts(
            "run:3:ws.user",
            "sent",
            "2026-11-24T09:14:00Z",
            '{"type":"subscribe","channel":"user","product_ids":["BTC-USD"]}',
            endpoint,
        ),
        WsMessageFacts(
            "run:3:ws.user",
            "received",
            "2026-11-24T09:14:01Z",
            '{"type":"error","message":"authentication failure"}',
            endpoint,
        ),
    ]


def findings() -> list[FindingFacts]:
    return [
        FindingFacts("run:1", "jwt.inspect", "pass", [], "The token is well formed and valid now."),
        FindingFacts("run:1", "reach.rest", "pass", [], "api.coinbase.com answers over TLS."),
        FindingFacts(
            "run:1", "key.permissions", "fail", ["KEY_UNAUTHORIZED"], "The key was refused (401)."
        ),
        FindingFacts(
            "run:2", "key.permissions", "fail", ["KEY_UNAUTHORIZED"], "The key was refused again."
        ),
    ]
