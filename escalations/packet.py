"""An escalation packet as a plain JSON document, built from plain data.

No ORM here: services gather the case, its evidence and its diagnostic rows into the
dataclasses below; this module turns them into the document engineers receive, with
a schema version and a content hash, after one redaction pass has checked it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from escalations.completeness import completeness_evaluate
from triage.redaction import find_secrets, key_prefix, redact_data, redact_headers

SCHEMA_VERSION = "1.0"
BODY_LIMIT = 8000
SAMPLE_MESSAGE_LIMIT = 2000

WS_MARKET_HOST = "advanced-trade-ws.coinbase.com"
WS_USER_HOST = "advanced-trade-ws-user.coinbase.com"


class PacketRefused(ValueError):
    """The packet still carries a secret; `findings` say where."""

    def __init__(self, findings):
        self.findings = list(findings)
        where = ", ".join(f"{f.where} ({f.kind})" for f in self.findings)
        super().__init__(
            f"Refused: the packet still carries a secret at {where}. "
            "Remove it (keep only a key prefix, never a secret or a signed token) and retry."
        )


@dataclass
class CaseFacts:
    reference: str
    scenario: str = ""
    scenario_title: str = ""
    priority: str = ""
    environment: str = ""
    key_prefix: str = ""
    portfolio_id: str = ""
    product_id: str = ""
    ticket_reference: str = ""
    opened_at: datetime | None = None
    agent: str = ""


@dataclass
class ExchangeFacts:
    """One REST exchange the agent ticked, from evidence or from a diagnostic check."""

    source: str
    method: str = ""
    url: str = ""
    request_headers: dict = field(default_factory=dict)
    request_body: str = ""
    status: int | None = None
    response_headers: dict = field(default_factory=dict)
    response_body: str = ""
    correlation_ids: dict = field(default_factory=dict)
    at: str = ""


@dataclass
class WsMessageFacts:
    source: str
    direction: str
    at: str
    data: str
    endpoint: str = ""


@dataclass
class FindingFacts:
    source: str
    check_id: str
    status: str
    codes: list[str]
    summary: str
    advice: str = ""
    at: str = ""


def iso_utc(value: datetime | str | None) -> str:
    """An ISO 8601 UTC timestamp ending in Z, or "" when unknown."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} more chars]"


def _flat_headers(headers) -> dict[str, str]:
    if not headers:
        return {}
    if isinstance(headers, dict):
        pairs = headers.items()
    else:
        pairs = [tuple(pair) for pair in headers if len(pair) == 2]
    return {str(k): str(v) for k, v in redact_headers(dict(pairs)).items()}


def exchange_document(exchange: ExchangeFacts) -> dict:
    return {
        "source": exchange.source,
        "at": iso_utc(exchange.at),
        "method": (exchange.method or "").upper(),
        "url": exchange.url or "",
        "request_headers": _flat_headers(exchange.request_headers),
        "request_body": _clip(exchange.request_body, BODY_LIMIT),
        "status": exchange.status,
        "response_headers": _flat_headers(exchange.response_headers),
        "response_body": _clip(exchange.response_body, BODY_LIMIT),
        "correlation_ids": {str(k): str(v) for k, v in (exchange.correlation_ids or {}).items()},
    }


_CHANNEL = re.compile(r'"channel"\s*:\s*"([a-z0-9_]+)"')
_CHANNELS = re.compile(r'"channels"\s*:\s*\[([^\]]*)\]')
_NAMES = re.compile(r'"([a-z0-9_]+)"')


def ws_channels(messages: list[WsMessageFacts]) -> list[str]:
    """Channels named in subscribe messages and in received envelopes, in first-seen order."""
    seen: list[str] = []
    for message in messages:
        names = _CHANNEL.findall(message.data or "")
        for group in _CHANNELS.findall(message.data or ""):
            names += _NAMES.findall(group)
        for name in names:
            if name not in seen and name != "subscriptions":
                seen.append(name)
    return seen


def ws_document(
    messages: list[WsMessageFacts], *, endpoint: str = "", jwt_issued_at: str = ""
) -> dict | None:
    if not messages and not endpoint:
        return None
    endpoint = endpoint or next((m.endpoint for m in messages if m.endpoint), "")
    return {
        "endpoint": endpoint,
        "channels": ws_channels(messages),
        "jwt_issued_at": iso_utc(jwt_issued_at),
        "messages": [
            {
                "source": m.source,
                "direction": m.direction,
                "at": iso_utc(m.at),
                "data": _clip(m.data, SAMPLE_MESSAGE_LIMIT),
            }
            for m in messages
        ],
    }


def finding_document(finding: FindingFacts) -> dict:
    return {
        "source": finding.source,
        "check_id": finding.check_id,
        "status": finding.status,
        "codes": sorted(set(finding.codes)),
        "summary": finding.summary or "",
        "advice": finding.advice or "",
        "at": iso_utc(finding.at),
    }


def endpoint_signature(url: str) -> str:
    """A URL reduced to what identifies a failure: host-less path, ids replaced by {id}."""
    if not url:
        return ""
    parts = urlsplit(
        url if "://" in url else "https://host" + ("" if url.startswith("/") else "/") + url
    )
    if parts.scheme in ("ws", "wss"):
        return f"{parts.scheme}://{parts.hostname or ''}"
    path = re.sub(r"/[0-9a-fA-F-]{16,}(?=/|$)", "/{id}", parts.path.rstrip("/"))
    path = re.sub(r"/[A-Z0-9]{2,10}-[A-Z0-9]{2,10}(?=/|$)", "/{product_id}", path)
    return path or "/"


def content_hash(document: dict) -> str:
    """sha256 over the canonical JSON of the document without its own hash."""
    body = {k: v for k, v in document.items() if k != "content_hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def redaction_gate(document: dict) -> dict:
    """The one pass before any save or export: refuse a document that still has a secret."""
    findings = find_secrets(document)
    if findings:
        raise PacketRefused(findings)
    return document


def packet_assemble(
    *,
    case: CaseFacts,
    version: int,
    created_by: str,
    created_at: datetime,
    exchanges: list[ExchangeFacts],
    ws_messages: list[WsMessageFacts],
    findings: list[FindingFacts],
    criteria: list[dict],
    summary: str,
    steps_tried: str,
    ws_endpoint: str = "",
    jwt_issued_at: str = "",
    previous_hash: str = "",
    gap_reason: str = "",
    collect_labels: dict[str, str] | None = None,
) -> dict:
    """Build the packet document. Copied evidence is redacted again; free text is not.

    Text the agent typed is checked by `redaction_gate` instead, so a secret in it is
    refused with its location rather than silently altered.
    """
    prefix = key_prefix(case.key_prefix).prefix
    machine = redact_data(
        {
            "rest_exchanges": [exchange_document(e) for e in exchanges],
            "websocket": ws_document(
                ws_messages, endpoint=ws_endpoint, jwt_issued_at=jwt_issued_at
            ),
            "findings": [finding_document(f) for f in findings],
        }
    )
    correlation_ids = sorted(
        {v for e in machine["rest_exchanges"] for v in e["correlation_ids"].values() if v}
    )
    timestamps = sorted({e["at"] for e in machine["rest_exchanges"] if e["at"]})
    codes = sorted({c for f in machine["findings"] for c in f["codes"]})
    document = {
        "schema_version": SCHEMA_VERSION,
        "packet": {
            "case_reference": case.reference,
            "version": version,
            "created_at": iso_utc(created_at),
            "created_by": created_by,
            "previous_hash": previous_hash,
        },
        "case": {
            "reference": case.reference,
            "ticket_reference": case.ticket_reference or "",
            "scenario": case.scenario or "",
            "scenario_title": case.scenario_title or "",
            "priority": case.priority or "",
            "environment": case.environment or "",
            "opened_at": iso_utc(case.opened_at),
            "agent": case.agent or "",
        },
        "context": {
            "key_prefix": prefix,
            "portfolio_id": case.portfolio_id or "",
            "product_id": case.product_id or "",
            "environment": case.environment or "",
        },
        "rest_exchanges": machine["rest_exchanges"],
        "correlation_ids": correlation_ids,
        "time_range": {
            "first": timestamps[0] if timestamps else "",
            "last": timestamps[-1] if timestamps else "",
        },
        "websocket": machine["websocket"],
        "findings": machine["findings"],
        "codes": codes,
        "criteria": criteria,
        "completeness": {},
        "summary": summary or "",
        "steps_tried": steps_tried or "",
    }
    document["completeness"] = completeness_evaluate(
        document, gap_reason=gap_reason, labels=collect_labels
    )
    document["content_hash"] = content_hash(document)
    return document


def packet_signatures(document: dict) -> list[tuple[str, str]]:
    """(finding code, endpoint) pairs that identify the failure, for the incident radar."""
    endpoints = [endpoint_signature(e["url"]) for e in document.get("rest_exchanges", [])]
    failing = [
        endpoint_signature(e["url"])
        for e in document.get("rest_exchanges", [])
        if (e.get("status") or 0) >= 400
    ]
    ws = document.get("websocket") or {}
    ws_endpoint = endpoint_signature(ws.get("endpoint", "")) if ws else ""
    pairs: set[tuple[str, str]] = set()
    for code in document.get("codes", []):
        if code.startswith("WS_") and ws_endpoint:
            pairs.add((code, ws_endpoint))
        elif failing or endpoints:
            pairs.add((code, (failing or endpoints)[0]))
        else:
            pairs.add((code, ws_endpoint))
    return sorted(pairs)
