"""The common shape every imported request takes, whatever file it came from.

An `HttpEntry` is one REST exchange out of a HAR file, a Postman collection or a request
log, already redacted by the one redactor. Pagination facts (the cursor sent, the cursor
returned, `has_next`, `limit`) are read from the raw request and response before the
redactor runs, so a cursor that happens to look like a key stays comparable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from urllib.parse import SplitResult, parse_qs, urlsplit

from triage.redaction import key_prefix, redact_data, redact_headers, redact_text

BODY_EXCERPT_LIMIT = 4000
# Successful answers matter for their pagination facts, read before this cut; keep less.
OK_BODY_EXCERPT_LIMIT = 1000
CORRELATION_HEADERS = ("x-request-id", "cf-ray", "x-cb-request-id", "x-trace-id")
BROKERAGE_PREFIX = "/api/v3/brokerage"


def split_url(url: str) -> SplitResult:
    """urlsplit that treats a malformed URL (e.g. a broken IPv6 host) as empty."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


@dataclass
class PageFacts:
    cursor_sent: str | None = None
    limit: str | None = None
    has_next: bool | None = None
    next_cursor: str | None = None


@dataclass
class HttpEntry:
    index: int
    method: str
    url: str
    status: int | None = None
    started_at: datetime | None = None
    duration_ms: float | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    response_body: str = ""
    correlation_ids: dict[str, str] = field(default_factory=dict)
    key_prefix: str = ""
    page: PageFacts = field(default_factory=PageFacts)

    @property
    def path(self) -> str:
        return split_url(self.url).path or "/"

    @property
    def host(self) -> str:
        return split_url(self.url).netloc

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(split_url(self.url).query, keep_blank_values=True)

    @property
    def ended_at(self) -> datetime | None:
        if self.started_at is None:
            return None
        return self.started_at + timedelta(milliseconds=self.duration_ms or 0)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat() if self.started_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> HttpEntry:
        data = dict(data)
        page = PageFacts(**(data.pop("page", None) or {}))
        started = data.pop("started_at", None)
        return cls(
            **data,
            page=page,
            started_at=datetime.fromisoformat(started) if started else None,
        )


def _stable_token(value: str | None) -> str | None:
    """Keep an opaque token comparable: as is, or as a short hash if it looks secret."""
    if value is None:
        return None
    if redact_text(value) == value:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def _json_or_none(text: str):
    if not text or text.lstrip()[:1] not in "{[":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def page_facts(url: str, response_body: str) -> PageFacts:
    query = parse_qs(split_url(url).query, keep_blank_values=True)
    facts = PageFacts(
        cursor_sent=_stable_token(query["cursor"][-1]) if query.get("cursor") else None,
        limit=query["limit"][-1] if query.get("limit") else None,
    )
    body = _json_or_none(response_body)
    if isinstance(body, dict):
        if isinstance(body.get("has_next"), bool):
            facts.has_next = body["has_next"]
        if isinstance(body.get("cursor"), str):
            facts.next_cursor = _stable_token(body["cursor"])
    if facts.cursor_sent == "":
        facts.cursor_sent = None
    return facts


def _redact_body(text: str, limit: int = BODY_EXCERPT_LIMIT) -> str:
    data = _json_or_none(text)
    if data is not None:
        return json.dumps(redact_data(data), separators=(",", ":"))[:limit]
    return redact_text(text)[:limit]


def _decode_body(text: str | None, encoding: str | None) -> str:
    if not text:
        return ""
    if encoding == "base64":
        try:
            return base64.b64decode(text).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return ""
    return text


def make_entry(
    *,
    index: int,
    method: str,
    url: str,
    status: int | None,
    started_at: datetime | None,
    duration_ms: float | None = None,
    request_headers: dict[str, str] | None = None,
    response_headers: dict[str, str] | None = None,
    request_body: str = "",
    response_body: str = "",
    facts: PageFacts | None = None,
) -> HttpEntry:
    """Build one redacted entry from raw parts; the raw parts are not kept."""
    request_headers = {k: str(v) for k, v in (request_headers or {}).items()}
    response_headers = {k.lower(): str(v) for k, v in (response_headers or {}).items()}
    auth = next((v for k, v in request_headers.items() if k.lower() == "authorization"), "")
    prefix = key_prefix(auth.partition(" ")[2]).prefix if auth else ""
    correlation = {h: response_headers[h] for h in CORRELATION_HEADERS if h in response_headers}
    body_json = _json_or_none(response_body)
    if isinstance(body_json, dict) and isinstance(body_json.get("trace_id"), str):
        correlation["trace_id"] = body_json["trace_id"]
    return HttpEntry(
        index=index,
        method=(method or "GET").upper(),
        url=redact_text(url),
        status=status,
        started_at=started_at,
        duration_ms=duration_ms,
        request_headers=redact_headers(request_headers),
        response_headers=redact_headers(response_headers),
        request_body=_redact_body(request_body),
        response_body=_redact_body(
            response_body,
            OK_BODY_EXCERPT_LIMIT if status is not None and status < 400 else BODY_EXCERPT_LIMIT,
        ),
        correlation_ids={k: redact_text(v) for k, v in correlation.items()},
        key_prefix=prefix,
        page=facts or page_facts(url, response_body),
    )


def decode_body(text: str | None, encoding: str | None = None) -> str:
    return _decode_body(text, encoding)
