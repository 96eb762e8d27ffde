"""Build customer evidence files (HAR, Postman, request logs) from a list of calls."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

BASE_TIME = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
HOST = "https://api.coinbase.com"
ACCOUNTS = "/api/v3/brokerage/accounts"
ORDERS = "/api/v3/brokerage/orders/historical/batch"
FILLS = "/api/v3/brokerage/orders/historical/fills"


@dataclass
class Call:
    at: float  # seconds after BASE_TIME
    path: str  # path with query string
    status: int = 200
    body: dict | None = None
    method: str = "GET"
    duration_ms: float = 50.0
    request_headers: dict = field(default_factory=dict)
    response_headers: dict = field(default_factory=dict)
    request_body: str = ""


def page(has_next: bool | None, cursor: str = "") -> dict:
    body = {"accounts": [], "cursor": cursor}
    if has_next is not None:
        body["has_next"] = has_next
    return body


def _stamp(call: Call) -> str:
    return (BASE_TIME + timedelta(seconds=call.at)).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def har(calls: list[Call]) -> str:
    entries = []
    for call in calls:
        entries.append(
            {
                "startedDateTime": _stamp(call),
                "time": call.duration_ms,
                "request": {
                    "method": call.method,
                    "url": HOST + call.path,
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": k, "value": v} for k, v in call.request_headers.items()],
                    "queryString": [],
                    "postData": {"mimeType": "application/json", "text": call.request_body},
                },
                "response": {
                    "status": call.status,
                    "statusText": "",
                    "headers": [
                        {"name": k, "value": v} for k, v in call.response_headers.items()
                    ],
                    "content": {
                        "mimeType": "application/json",
                        "text": json.dumps(call.body) if call.body is not None else "",
                    },
                },
                "timings": {"wait": call.duration_ms},
            }
        )
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "Chrome"},
                               "entries": entries}})


def log(calls: list[Call]) -> str:
    lines = ["# exported by the customer's bot"]
    for call in calls:
        body = f" {json.dumps(call.body)}" if call.body is not None else ""
        lines.append(
            f"{_stamp(call)} {call.method} {HOST}{call.path} {call.status} "
            f"{call.duration_ms:.0f}ms{body}"
        )
    return "\n".join(lines) + "\n"


def jsonl(calls: list[Call]) -> str:
    return "\n".join(
        json.dumps({"time": _stamp(c), "method": c.method, "url": HOST + c.path,
                    "status": c.status, "duration_ms": c.duration_ms, "response": c.body})
        for c in calls
    )


FORMATS = {"har": har, "log": log, "jsonl": jsonl}
