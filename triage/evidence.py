"""Parse what a customer sent (HTTP exchange, JSON, WebSocket messages, HAR) and redact it.

The parser never keeps a secret: headers, bodies and the raw text all go through the one
redactor before they are returned, so callers only ever hold redacted values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

from triage.redaction import REDACTED, redact_data, redact_headers, redact_text

# Response/request headers that identify a request to the provider's support and logs.
CORRELATION_HEADERS = (
    "x-request-id",
    "x-correlation-id",
    "cf-ray",
    "traceparent",
    "x-trace-id",
    "x-amzn-trace-id",
    "x-b3-traceid",
    "request-id",
    "x-cb-request-id",
    "cb-request-id",
)
DEFAULT_MAX_BYTES = 256 * 1024

_REQUEST_LINE = re.compile(
    r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\S+)(?:\s+HTTP/[\d.]+)?\s*$", re.I
)
_STATUS_LINE = re.compile(r"^HTTP/[\d.]+\s+(\d{3})\b.*$", re.I)
_HEADER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*:\s?(.*)$")
_CURL_PREFIX = re.compile(r"^([<>*])\s?")
_WS_PREFIX = re.compile(r"^\s*(?:[<>]+|sent:|recv(?:ed|eived)?:|send:|→|←)\s*", re.I)
_INLINE_CORRELATION = re.compile(
    r"(?im)^\s*[<>]?\s*(" + "|".join(re.escape(h) for h in CORRELATION_HEADERS) + r")\s*:\s*(\S+)"
)


class EvidenceError(ValueError):
    """Input that cannot be stored as evidence; the message is shown to the agent."""


@dataclass
class ParsedEvidence:
    kind: str
    raw: str
    method: str = ""
    url: str = ""
    status_code: int | None = None
    request_headers: list = field(default_factory=list)
    response_headers: list = field(default_factory=list)
    request_body: str = ""
    response_body: str = ""
    messages: list = field(default_factory=list)
    correlation_ids: list = field(default_factory=list)
    captured_at: datetime | None = None
    redactions: int = 0


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def check_size(raw: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    size = len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise EvidenceError(
            f"That paste is {_human(size)}; the limit is {_human(max_bytes)}. Paste only the "
            "failing request and response, or trim the log to the relevant minutes."
        )


def parse_evidence(raw: str, kind: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
    """Parse and redact pasted evidence. ``kind`` forces a format; None detects it."""
    if raw is None or not raw.strip():
        raise EvidenceError("Paste the request, response, JSON or WebSocket messages.")
    check_size(raw, max_bytes)
    if "\x00" in raw:
        raise EvidenceError("That looks like binary data; paste text (headers, JSON) only.")
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    detected = kind or _detect(raw)
    parser = {"rest": _parse_http, "json": _parse_json, "ws": _parse_ws, "har": _parse_har}
    parsed = parser.get(detected, _parse_text)(raw)
    parsed.raw = redact_text(raw)
    parsed.redactions = max(parsed.raw.count("[REDACTED") - raw.count("[REDACTED"), 0)
    if not parsed.correlation_ids:
        parsed.correlation_ids = _inline_correlation(raw)
    return parsed


def _detect(raw: str) -> str:
    lines = (ln.strip() for ln in raw.split("\n"))
    first = next((ln for ln in lines if ln and not ln.startswith("*")), "")
    stripped = _CURL_PREFIX.sub("", first) if first[:1] in "<>*" else first
    if _REQUEST_LINE.match(stripped) or _STATUS_LINE.match(stripped):
        return "rest"
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("log"), dict) and "entries" in data["log"]:
        return "har"
    if isinstance(data, list) and data and all(_is_ws_message(m) for m in data):
        return "ws"
    if data is not None:
        return "json"
    lines = [ln for ln in raw.split("\n") if ln.strip()]
    if lines and all(_json_line(ln) is not None for ln in lines):
        return "ws"
    return "text"


def _is_ws_message(value) -> bool:
    return isinstance(value, dict) and bool({"channel", "type"} & set(value))


def _json_line(line: str):
    try:
        return json.loads(_WS_PREFIX.sub("", line, count=1))
    except ValueError:
        return None


def _correlation(headers: list) -> list[dict]:
    found: list[dict] = []
    for name, value in headers:
        entry = {"name": name.lower(), "value": value.strip()[:200]}
        if entry["name"] in CORRELATION_HEADERS and entry["value"] and entry not in found:
            found.append(entry)
    return found


def _inline_correlation(raw: str) -> list[dict]:
    seen: list[dict] = []
    for name, value in _INLINE_CORRELATION.findall(raw):
        entry = {"name": name.lower(), "value": value[:200]}
        if entry not in seen:
            seen.append(entry)
    return seen


def _body(text: str) -> str:
    text = text.strip("\n")
    try:
        return json.dumps(redact_data(json.loads(text)), indent=2)
    except ValueError:
        return redact_text(text)


def _parse_http(raw: str) -> ParsedEvidence:
    """A raw request and/or response: plain, or curl -v with > and < prefixes."""
    parsed = ParsedEvidence(kind="rest", raw="")
    section = None  # "request" | "response"
    in_body = False
    headers: dict[str, list] = {"request": [], "response": []}
    bodies: dict[str, list] = {"request": [], "response": []}
    for line in raw.split("\n"):
        prefix = line[:1] if _CURL_PREFIX.match(line) else ""
        text = _CURL_PREFIX.sub("", line, count=1) if prefix else line
        if prefix == "*":
            continue
        request_line = _REQUEST_LINE.match(text)
        status_line = _STATUS_LINE.match(text)
        if request_line and (prefix in ("", ">")):
            section, in_body = "request", False
            parsed.method, parsed.url = request_line.group(1).upper(), request_line.group(2)
            continue
        if status_line and (prefix in ("", "<")):
            section, in_body = "response", False
            parsed.status_code = int(status_line.group(1))
            continue
        if section is None:
            continue
        if prefix == ">" and section != "request":
            section = "request"
        if prefix == "<" and section != "response":
            section = "response"
        if not in_body and not text.strip():
            in_body = True
            continue
        header = _HEADER.match(text) if not in_body else None
        if header:
            headers[section].append((header.group(1), header.group(2).strip()))
        else:
            bodies[section].append(line if not prefix else text)
    parsed.request_headers = [list(p) for p in redact_headers(headers["request"])]
    parsed.response_headers = [list(p) for p in redact_headers(headers["response"])]
    parsed.request_body = _body("\n".join(bodies["request"]))
    parsed.response_body = _body("\n".join(bodies["response"]))
    host = next((v for n, v in headers["request"] if n.lower() == "host"), "")
    if parsed.url.startswith("/") and host:
        parsed.url = f"https://{host}{parsed.url}"
    parsed.url = redact_text(parsed.url)[:2000]
    parsed.correlation_ids = _correlation(headers["response"] + headers["request"])
    parsed.captured_at = _date(headers["response"] + headers["request"])
    if parsed.method == "" and parsed.status_code is None:
        raise EvidenceError("No request line (GET /path) or status line (HTTP/1.1 401) found.")
    return parsed


def _date(headers: list) -> datetime | None:
    value = next((v for n, v in headers if n.lower() == "date"), "")
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None


def _parse_json(raw: str) -> ParsedEvidence:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise EvidenceError(f"That is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    body = json.dumps(redact_data(data), indent=2)
    return ParsedEvidence(kind="json", raw="", response_body=body)


def _parse_ws(raw: str) -> ParsedEvidence:
    try:
        data = json.loads(raw)
        items = data if isinstance(data, list) else [data]
    except ValueError:
        items = []
        for number, line in enumerate(raw.split("\n"), start=1):
            if not line.strip():
                continue
            message = _json_line(line)
            if message is None:
                raise EvidenceError(
                    f"Line {number} is not a JSON WebSocket message; paste one message per line."
                ) from None
            items.append(message)
    messages = [redact_data(m) for m in items[:500]]
    return ParsedEvidence(kind="ws", raw="", messages=messages)


def _parse_har(raw: str) -> ParsedEvidence:
    try:
        entries = json.loads(raw)["log"]["entries"]
    except (ValueError, KeyError, TypeError):
        raise EvidenceError("That HAR file has no log.entries list.") from None
    if not entries:
        raise EvidenceError("That HAR file has no requests in it.")
    entry = next(
        (e for e in entries if (e.get("response") or {}).get("status", 0) >= 400), entries[0]
    )
    request, response = entry.get("request") or {}, entry.get("response") or {}
    req_headers, res_headers = _har_headers(request), _har_headers(response)
    all_headers = []
    for other in entries:
        all_headers += _har_headers(other.get("request")) + _har_headers(other.get("response"))
    return ParsedEvidence(
        kind="har",
        raw="",
        method=str(request.get("method", ""))[:10],
        url=redact_text(str(request.get("url", "")))[:2000],
        status_code=response.get("status") or None,
        request_headers=[list(p) for p in redact_headers(req_headers)],
        response_headers=[list(p) for p in redact_headers(res_headers)],
        request_body=_body(str((request.get("postData") or {}).get("text", ""))),
        response_body=_body(str((response.get("content") or {}).get("text", ""))),
        correlation_ids=_correlation(all_headers),
    )


def _har_headers(part) -> list[tuple[str, str]]:
    headers = (part.get("headers") or []) if isinstance(part, dict) else []
    pairs = [h for h in headers if isinstance(h, dict)]
    return [(str(h.get("name", "")), str(h.get("value", ""))) for h in pairs]


def _parse_text(raw: str) -> ParsedEvidence:
    return ParsedEvidence(kind="text", raw="")


__all__ = ["CORRELATION_HEADERS", "EvidenceError", "ParsedEvidence", "parse_evidence", "REDACTED"]
