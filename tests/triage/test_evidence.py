"""Parsing pasted evidence: formats, correlation ids, redaction, and bad input."""

import json

import pytest

from tests.triage.secrets import ec_pem, ed25519_b64, jwt_parts, signed_jwt
from triage.evidence import EvidenceError, parse_evidence
from triage.redaction import REDACTED, SIGNATURE_REDACTED


def http_exchange(token: str) -> str:
    return (
        "POST /api/v3/brokerage/orders HTTP/1.1\r\n"
        "Host: api.coinbase.com\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Cookie: __cf_bm=abcdefghijklmnop\r\n"
        "Content-Type: application/json\r\n\r\n"
        '{"client_order_id":"c-1","product_id":"BTC-USD","side":"BUY"}\r\n\r\n'
        "HTTP/1.1 401 Unauthorized\r\n"
        "Date: Tue, 24 Nov 2026 09:14:03 GMT\r\n"
        "x-request-id: 5b0c2f7e-8d1a-4c3b-9e2f-0a1b2c3d4e5f\r\n"
        "CF-RAY: 8e3f1a2b3c4d5e6f-FRA\r\n"
        "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n"
        '{"error":"UNAUTHORIZED","message":"Unauthorized"}'
    )


def test_raw_http_exchange_is_parsed_and_redacted():
    token = signed_jwt()
    parsed = parse_evidence(http_exchange(token))
    assert parsed.kind == "rest"
    assert (parsed.method, parsed.status_code) == ("POST", 401)
    assert parsed.url == "https://api.coinbase.com/api/v3/brokerage/orders"
    headers = dict(parsed.request_headers)
    header, claims, signature = jwt_parts(token)
    assert headers["Authorization"] == f"Bearer {header}.{claims}.{SIGNATURE_REDACTED}"
    assert headers["Cookie"] == REDACTED
    assert json.loads(parsed.request_body)["product_id"] == "BTC-USD"
    assert json.loads(parsed.response_body)["error"] == "UNAUTHORIZED"
    assert parsed.correlation_ids == [
        {"name": "x-request-id", "value": "5b0c2f7e-8d1a-4c3b-9e2f-0a1b2c3d4e5f"},
        {"name": "cf-ray", "value": "8e3f1a2b3c4d5e6f-FRA"},
        {"name": "traceparent", "value": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
    ]
    assert parsed.captured_at.isoformat() == "2026-11-24T09:14:03+00:00"
    assert signature not in parsed.raw
    assert "abcdefghijklmnop" not in parsed.raw
    assert parsed.redactions == 2


def test_curl_verbose_output():
    raw = (
        "*   Trying 104.18.35.15:443...\n"
        "> GET /api/v3/brokerage/accounts?limit=250 HTTP/2\n"
        "> Host: api.coinbase.com\n"
        "> authorization: Bearer abc.def\n"
        ">\n"
        "< HTTP/2 429\n"
        "< x-correlation-id: corr-777\n"
        "< retry-after: 2\n"
        "<\n"
        '{"message":"Too many requests"}'
    )
    parsed = parse_evidence(raw)
    assert (parsed.method, parsed.status_code) == ("GET", 429)
    assert dict(parsed.request_headers)["authorization"] == f"Bearer {REDACTED}"
    assert parsed.correlation_ids == [{"name": "x-correlation-id", "value": "corr-777"}]
    assert "Too many requests" in parsed.response_body


def test_json_body_with_secrets():
    pem = ec_pem()
    raw = json.dumps({"name": "organizations/o/apiKeys/k", "privateKey": pem, "n": 1})
    parsed = parse_evidence(raw)
    assert parsed.kind == "json"
    body = json.loads(parsed.response_body)
    assert body == {"name": "organizations/o/apiKeys/k", "privateKey": REDACTED, "n": 1}
    assert pem.splitlines()[1] not in parsed.raw


def test_websocket_messages_one_per_line():
    token = signed_jwt()
    raw = (
        f'> {{"type":"subscribe","channel":"user","product_ids":["BTC-USD"],"jwt":"{token}"}}\n'
        '< {"channel":"subscriptions","events":[]}\n'
        '< {"channel":"heartbeats","events":[{"heartbeat_counter":"1"}]}\n'
    )
    parsed = parse_evidence(raw)
    assert parsed.kind == "ws"
    assert [m.get("channel") for m in parsed.messages] == ["user", "subscriptions", "heartbeats"]
    assert jwt_parts(token)[2] not in json.dumps(parsed.messages)
    assert jwt_parts(token)[2] not in parsed.raw


def test_har_export_picks_the_failing_entry_and_collects_ids():
    har = {
        "log": {
            "entries": [
                {
                    "request": {"method": "GET", "url": "https://api.coinbase.com/a"},
                    "response": {"status": 200, "headers": [{"name": "cf-ray", "value": "r1"}]},
                },
                {
                    "request": {
                        "method": "GET",
                        "url": "https://api.coinbase.com/api/v3/brokerage/orders/historical/batch",
                        "headers": [{"name": "Authorization", "value": "Bearer " + signed_jwt()}],
                    },
                    "response": {
                        "status": 401,
                        "headers": [{"name": "x-request-id", "value": "req-2"}],
                        "content": {"text": '{"error":"UNAUTHORIZED"}'},
                    },
                },
            ]
        }
    }
    parsed = parse_evidence(json.dumps(har))
    assert (parsed.kind, parsed.status_code) == ("har", 401)
    assert parsed.url.endswith("/historical/batch")
    assert {c["value"] for c in parsed.correlation_ids} == {"r1", "req-2"}
    assert SIGNATURE_REDACTED in dict(parsed.request_headers)["Authorization"]


def test_plain_text_is_redacted_and_still_yields_correlation_ids():
    secret = ed25519_b64(64)
    raw = f"customer says it fails\nx-request-id: abc-123\nCOINBASE_API_SECRET={secret}\n"
    parsed = parse_evidence(raw)
    assert parsed.kind == "text"
    assert secret not in parsed.raw
    assert parsed.correlation_ids == [{"name": "x-request-id", "value": "abc-123"}]


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("", None, "Paste the request"),
        ("   \n ", None, "Paste the request"),
        ("{not json", "json", "not valid JSON"),
        ('{"a":1}\nnot a message', "ws", "Line 2 is not a JSON WebSocket message"),
        ("hello there", "rest", "No request line"),
        ('{"log": {}}', "har", "no log.entries"),
        ("bin\x00ary", None, "binary"),
    ],
)
def test_bad_input_gets_a_clear_message(raw, kind, message):
    with pytest.raises(EvidenceError, match=message):
        parse_evidence(raw, kind=kind)


def test_size_limit_names_both_sizes():
    with pytest.raises(EvidenceError, match=r"That paste is 2\.0 MB; the limit is 256 KB"):
        parse_evidence("x" * (2 * 1024 * 1024))
