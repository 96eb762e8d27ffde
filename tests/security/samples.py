"""Sample customer material for the security tests: a pasted exchange and a HAR export."""

from __future__ import annotations

import json


def evidence_paste(token: str, pem: str, ed_secret: str) -> str:
    body = ('{"key_name":"organizations/o/apiKeys/k","private_key":"'
            + pem.replace("\n", "\\n") + '","ed_secret":"' + ed_secret + '"}')
    return (
        "POST /api/v3/brokerage/orders HTTP/1.1\n"
        "Host: api.coinbase.com\n"
        f"Authorization: Bearer {token}\n"
        "Content-Type: application/json\n\n"
        f"{body}\n\n"
        "HTTP/1.1 401 Unauthorized\n"
        "x-request-id: 0a5f4c8e-2b1d-4e7a-9c3f-6d8e1f2a3b4c\n"
        "content-type: application/json\n\n"
        '{"error":"unauthorized","message":"Unauthorized"}\n'
    )


def har(token: str) -> str:
    return json.dumps({"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-24T09:00:00.000Z", "time": 40,
        "request": {"method": "GET", "url": "https://api.coinbase.com/api/v3/brokerage/accounts",
                    "headers": [{"name": "Authorization", "value": f"Bearer {token}"}],
                    "httpVersion": "HTTP/1.1", "queryString": [], "cookies": [],
                    "headersSize": -1, "bodySize": 0},
        "response": {"status": 401, "statusText": "Unauthorized", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "x-request-id", "value": "5e0c7a1b-1111-4222-8333-1c2d"}],
                     "content": {"size": 20, "mimeType": "application/json",
                                 "text": '{"error":"unauthorized"}'},
                     "redirectURL": "", "headersSize": -1, "bodySize": 20, "cookies": []},
        "cache": {}, "timings": {"send": 0, "wait": 40, "receive": 0}}]}})
