"""Evidence import: HAR, Postman and request logs come out parsed and redacted."""

import base64
import json

import pytest

from integrations.evidence.entries import HttpEntry
from integrations.evidence.importers import EvidenceFormatError, import_evidence
from tests.integrations.evidence_files import ACCOUNTS, Call, har, page


def _all_text(entries) -> str:
    return json.dumps([e.to_dict() for e in entries])


def test_har_with_authorization_and_pem_comes_out_redacted(jwt_for, ec_pem):
    token = jwt_for("5e1c7a2b-9d3f-4e6a-8b1c-2d3e4f5a6b7c")
    signature = token.rsplit(".", 1)[1]
    pem_line = ec_pem.splitlines()[1]
    calls = [
        Call(0, f"{ACCOUNTS}?limit=49", body=page(True, "c1"),
             request_headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
             response_headers={"x-request-id": "6d1f0c8e-2f7b-4c1e-9a1d-111111111111",
                               "cf-ray": "8c0a1b2c3d4e5f60-EMU"}),
        Call(1, "/api/v3/brokerage/orders", method="POST", status=401,
             request_headers={"Authorization": f"Bearer {token}"},
             request_body=json.dumps({"note": ec_pem, "api_secret": ec_pem}),
             body=None),
    ]
    result = import_evidence(har(calls))
    assert result.kind == "har"
    text = _all_text(result.entries)
    assert signature not in text
    assert pem_line not in text
    assert "-----BEGIN" not in text
    first, second = result.entries
    assert first.request_headers["Authorization"].endswith(".[REDACTED-SIGNATURE]")
    assert first.key_prefix == "5e1c7a2b"
    assert first.correlation_ids == {"x-request-id": "6d1f0c8e-2f7b-4c1e-9a1d-111111111111",
                                     "cf-ray": "8c0a1b2c3d4e5f60-EMU"}
    assert first.page.has_next is True and first.page.next_cursor == "c1"
    assert second.method == "POST" and second.status == 401
    assert "[REDACTED" in second.request_body


def test_har_base64_content_and_round_trip():
    body = base64.b64encode(json.dumps(page(False, "")).encode()).decode()
    text = json.dumps({"log": {"entries": [{
        "startedDateTime": "2026-11-24T10:00:00.000+00:00", "time": 12.5,
        "request": {"method": "GET", "url": "https://api.coinbase.com" + ACCOUNTS, "headers": []},
        "response": {"status": 200, "headers": [],
                     "content": {"text": body, "encoding": "base64"}}}]}})
    entry = import_evidence(text).entries[0]
    assert entry.page.has_next is False
    assert HttpEntry.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry


def test_postman_collection_with_saved_responses():
    collection = {
        "info": {"name": "Coinbase", "schema":
                 "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "Accounts", "item": [{
            "name": "List accounts",
            "request": {"method": "GET", "header": [
                {"key": "Authorization", "value": "Bearer {{jwt}}"}],
                "url": {"raw": "https://api.coinbase.com/api/v3/brokerage/accounts?limit=5",
                        "host": ["api", "coinbase", "com"]}},
            "response": [{
                "name": "page 1", "code": 200,
                "header": [{"key": "Date", "value": "Tue, 24 Nov 2026 10:00:00 GMT"}],
                "body": json.dumps(page(True, "c1")),
                "originalRequest": {"method": "GET", "url":
                                    "https://api.coinbase.com/api/v3/brokerage/accounts?limit=5"},
            }],
        }]}],
    }
    result = import_evidence(json.dumps(collection))
    assert result.kind == "postman"
    (entry,) = result.entries
    assert entry.status == 200
    assert entry.started_at.isoformat() == "2026-11-24T10:00:00+00:00"
    assert entry.page.limit == "5" and entry.page.has_next is True


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-24T10:00:00.250Z GET https://api.coinbase.com/api/v3/brokerage/accounts 200",
        "[2026-11-24 10:00:00,250] INFO GET /api/v3/brokerage/accounts -> 200 (31ms)",
        "1795514400250 GET api.coinbase.com/api/v3/brokerage/accounts status=200",
    ],
)
def test_plain_log_shapes(line):
    result = import_evidence(line + "\n")
    assert result.kind == "log"
    (entry,) = result.entries
    assert entry.method == "GET"
    assert entry.url == "https://api.coinbase.com/api/v3/brokerage/accounts"
    assert entry.status == 200
    assert entry.started_at.year == 2026


def test_log_tokens_carry_pagination_facts():
    line = ("2026-11-24T10:00:00Z GET /api/v3/brokerage/accounts?limit=49 200 "
            "has_next=true cursor=c1")
    entry = import_evidence(line).entries[0]
    assert (entry.page.has_next, entry.page.next_cursor, entry.page.limit) == (True, "c1", "49")


def test_log_redacts_secrets_in_urls_and_bodies(jwt_for):
    token = jwt_for("5e1c7a2b-0000-0000-0000-000000000000")
    line = (f"2026-11-24T10:00:00Z GET /api/v3/brokerage/accounts?jwt={token} 401 "
            f'{{"note": "{token}"}}')
    entry = import_evidence(line).entries[0]
    assert token.rsplit(".", 1)[1] not in json.dumps(entry.to_dict())


def test_bad_lines_are_reported_and_good_ones_kept():
    text = "2026-11-24T10:00:00Z GET /api/v3/brokerage/accounts 200\nnot a request line\n"
    result = import_evidence(text)
    assert len(result.entries) == 1
    assert result.warnings == ["Line 2: expected a timestamp first."]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ('{"hello": 1}', "neither a HAR file"),
        ('{"log": {}}', "A HAR file needs a log.entries list."),
        ("just some words\n", "No requests found"),
    ],
)
def test_unreadable_files_raise_a_clear_message(text, message):
    with pytest.raises(EvidenceFormatError, match=message):
        import_evidence(text)
