"""Read customer evidence files into redacted `HttpEntry` lists.

Accepted shapes (docs/evidence-import.md has examples):
- HAR 1.2 (browser dev tools, Charles, Insomnia, Postman's HAR export);
- Postman Collection v2.0/v2.1 exports with saved responses;
- request logs, one request per line: plain text (`<timestamp> <METHOD> <URL> <status>`,
  optional `<n>ms`, `has_next=`/`cursor=` tokens and a trailing JSON response body) or
  JSON Lines (`{"time": ..., "method": ..., "url": ..., "status": ...}`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from integrations.evidence.entries import (
    HttpEntry,
    PageFacts,
    decode_body,
    make_entry,
    page_facts,
)

DEFAULT_HOST = "https://api.coinbase.com"
MAX_ENTRIES = 20000
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


class EvidenceFormatError(ValueError):
    """The file is not in an accepted shape; the message says what was expected."""


@dataclass
class ImportResult:
    kind: str  # "har" | "postman" | "log" | "jsonl"
    entries: list[HttpEntry]
    warnings: list[str] = field(default_factory=list)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _status(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and 100 <= value <= 999 else None


def parse_timestamp(value) -> datetime | None:
    """ISO 8601 (with or without zone, `,` or `.` fractions), epoch seconds or millis."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or re.fullmatch(r"\d{10,13}(\.\d+)?", str(value)):
        number = _number(float(value))
        if number is None:
            return None
        if number > 1e11:
            number /= 1000.0
        try:
            return datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip().replace(",", ".")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(str(value))
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _absolute(url: str) -> str:
    url = url.strip()
    if url.startswith("/"):
        return DEFAULT_HOST + url
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        return "https://" + url
    return url


def _pairs(items, key="name") -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _list(items):
        if isinstance(item, dict) and item.get(key) is not None and not item.get("disabled"):
            out[str(item[key])] = str(item.get("value", ""))
    return out


def import_har(data: dict) -> ImportResult:
    log = data.get("log")
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise EvidenceFormatError("A HAR file needs a log.entries list.")
    entries, warnings = [], []
    for number, raw in enumerate(log["entries"][:MAX_ENTRIES]):
        raw = _dict(raw)
        request, response = _dict(raw.get("request")), _dict(raw.get("response"))
        url = _str(request.get("url")).strip()
        if not url:
            warnings.append(f"Entry {number}: no request URL; skipped.")
            continue
        content = _dict(response.get("content"))
        entries.append(
            make_entry(
                index=len(entries),
                method=_str(request.get("method")) or "GET",
                url=_absolute(url),
                status=_status(response.get("status")),
                started_at=parse_timestamp(raw.get("startedDateTime")),
                duration_ms=_number(raw.get("time")),
                request_headers=_pairs(request.get("headers")),
                response_headers=_pairs(response.get("headers")),
                request_body=_str(_dict(request.get("postData")).get("text")),
                response_body=decode_body(_str(content.get("text")),
                                          _str(content.get("encoding"))),
            )
        )
    return ImportResult("har", entries, warnings)


def _postman_url(url) -> str:
    if isinstance(url, str):
        return url
    url = _dict(url)
    if _str(url.get("raw")):
        return url["raw"]
    host = ".".join(str(h) for h in _list(url.get("host"))) or "api.coinbase.com"
    path = "/".join(str(p) for p in _list(url.get("path")))
    query = "&".join(f"{q.get('key')}={q.get('value', '')}"
                     for q in _list(url.get("query")) if isinstance(q, dict))
    if not path and not url.get("host"):
        return ""
    return f"https://{host}/{path}" + (f"?{query}" if query else "")


def _postman_items(items, depth: int = 0):
    for item in _list(items):
        if isinstance(item, dict) and "item" in item and depth < 20:
            yield from _postman_items(item["item"], depth + 1)
        elif isinstance(item, dict) and "request" in item:
            yield item


def import_postman(data: dict) -> ImportResult:
    entries, warnings = [], []
    for item in _postman_items(data.get("item")):
        responses = [r for r in _list(item.get("response")) if isinstance(r, dict)] or [{}]
        for response in responses:
            request = response.get("originalRequest") or item["request"]
            if isinstance(request, str):
                request = {"url": request, "method": "GET"}
            request = _dict(request)
            url = _postman_url(request.get("url"))
            if not url.strip():
                warnings.append(f"Request {_str(item.get('name')) or '?'!r}: no URL; skipped.")
                continue
            headers = _pairs(response.get("header"), key="key")
            date = next((v for k, v in headers.items() if k.lower() == "date"), None)
            body = request.get("body")
            entries.append(
                make_entry(
                    index=len(entries),
                    method=_str(request.get("method")) or "GET",
                    url=_absolute(url),
                    status=_status(response.get("code")),
                    started_at=parse_timestamp(date),
                    request_headers=_pairs(request.get("header"), key="key"),
                    response_headers=headers,
                    request_body=_str(_dict(body).get("raw")),
                    response_body=_str(response.get("body")),
                )
            )
            if len(entries) >= MAX_ENTRIES:
                return ImportResult("postman", entries, warnings)
    return ImportResult("postman", entries, warnings)


_LOG_LINE = re.compile(
    r"""^\s*\[?(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?
    |\d{13}|\d{10}(?:\.\d+)?)\]?\s+(?P<rest>.*)$""",
    re.X,
)
_REQUEST = re.compile(r"\b(?P<method>" + "|".join(METHODS) + r")\s+(?P<url>\S+)")
_STATUS = re.compile(r"(?<![\w.])(?P<status>[1-5]\d\d)(?![\w.])")
_DURATION = re.compile(r"(?<![\w.])(?P<ms>\d+(?:\.\d+)?)\s*ms\b")
_TOKEN = re.compile(r"\b(?P<name>has_next|cursor|next_cursor)=(?P<value>\S*)")


def _log_line(number: int, line: str, index: int) -> HttpEntry:
    match = _LOG_LINE.match(line)
    if not match:
        raise EvidenceFormatError(f"Line {number}: expected a timestamp first.")
    rest = match.group("rest")
    request = _REQUEST.search(rest)
    if not request:
        raise EvidenceFormatError(f"Line {number}: expected an HTTP method and a URL.")
    after = rest[request.end():]
    body_start = after.find("{")
    tail, body = (after[:body_start], after[body_start:]) if body_start >= 0 else (after, "")
    status = _STATUS.search(tail)
    duration = _DURATION.search(tail)
    url = _absolute(request.group("url").strip("\"'"))
    facts = None
    tokens = {m.group("name"): m.group("value") for m in _TOKEN.finditer(tail)}
    if tokens and not body:
        facts = page_facts(url, "")
        if "has_next" in tokens:
            facts.has_next = tokens["has_next"].lower() == "true"
        cursor = tokens.get("next_cursor", tokens.get("cursor"))
        facts.next_cursor = cursor or ("" if cursor is not None else None)
    return make_entry(
        index=index,
        method=request.group("method"),
        url=url,
        status=int(status.group("status")) if status else None,
        started_at=parse_timestamp(match.group("ts")),
        duration_ms=float(duration.group("ms")) if duration else None,
        response_body=body.strip(),
        facts=facts,
    )


def _jsonl_line(number: int, data: dict, index: int) -> HttpEntry:
    url = data.get("url") or data.get("path")
    if not isinstance(url, str) or not url.strip():
        raise EvidenceFormatError(f"Line {number}: expected a \"url\" (or \"path\") field.")
    body = data.get("response_body", data.get("response", ""))
    headers = {k: v for k, v in (("request_headers", data.get("request_headers")),
                                 ("response_headers", data.get("response_headers")))}
    return make_entry(
        index=index,
        method=_str(data.get("method")) or "GET",
        url=_absolute(url),
        status=_status(data.get("status", data.get("status_code"))),
        started_at=parse_timestamp(data.get("time", data.get("timestamp", data.get("ts")))),
        duration_ms=_number(data.get("duration_ms")),
        request_headers=_dict(headers["request_headers"]),
        response_headers=_dict(headers["response_headers"]),
        request_body=_str(data.get("request_body")),
        response_body=body if isinstance(body, str) else json.dumps(body),
    )


def import_log(text: str) -> ImportResult:
    entries, warnings = [], []
    kind = "log"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            if line.lstrip().startswith("{"):
                kind = "jsonl"
                try:
                    data = json.loads(line)
                except ValueError:
                    raise EvidenceFormatError(f"Line {number}: not valid JSON.") from None
                if not isinstance(data, dict):
                    raise EvidenceFormatError(f"Line {number}: expected a JSON object.")
                entries.append(_jsonl_line(number, data, len(entries)))
            else:
                entries.append(_log_line(number, line, len(entries)))
        except EvidenceFormatError as exc:
            warnings.append(str(exc))
        if len(entries) >= MAX_ENTRIES:
            warnings.append(f"Only the first {MAX_ENTRIES} requests were read.")
            break
    if not entries:
        detail = f" First problem: {warnings[0]}" if warnings else ""
        raise EvidenceFormatError(
            "No requests found. Expected a HAR file, a Postman collection, or a log with one "
            "request per line (timestamp, method, URL, status)." + detail
        )
    return ImportResult(kind, entries, warnings[:20])


def import_evidence(text: str) -> ImportResult:
    """Detect the shape of `text` and import it; raise EvidenceFormatError if none fits."""
    stripped = (text or "").lstrip()
    if not stripped:
        raise EvidenceFormatError("The file is empty.")
    if stripped.startswith("{") and "\n{" not in stripped.strip():
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if "log" in data:
                return import_har(data)
            if "item" in data or "collection" in data:
                return import_postman(_dict(data.get("collection", data)))
            if "url" not in data and "path" not in data:
                raise EvidenceFormatError(
                    "This JSON is neither a HAR file (log.entries) nor a Postman collection "
                    "(item)."
                )
    return import_log(text)


__all__ = [
    "EvidenceFormatError",
    "ImportResult",
    "PageFacts",
    "import_evidence",
    "import_har",
    "import_log",
    "import_postman",
    "parse_timestamp",
]
