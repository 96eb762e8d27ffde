"""Turn a case's stored rows (evidence, diagnostic check runs) into packet facts.

Each candidate has a stable reference the agent ticks in the builder:
`evidence:<id>` for a pasted exchange, `evidence:<id>:<n>` for one of its WebSocket
messages, `check:<id>:<n>` for the n-th captured exchange or frame of a check run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from escalations.packet import ExchangeFacts, FindingFacts, WsMessageFacts, iso_utc
from triage.redaction import jwt_segment

_JWT_CLAIMS = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.(eyJ[A-Za-z0-9_-]{2,})")


@dataclass
class Candidate:
    ref: str
    label: str
    facts: ExchangeFacts | WsMessageFacts


@dataclass
class CaseSources:
    exchanges: list[Candidate] = field(default_factory=list)
    ws_messages: list[Candidate] = field(default_factory=list)
    findings: list[FindingFacts] = field(default_factory=list)
    jwt_issued_at: str = ""

    def pick(self, refs) -> tuple[list[ExchangeFacts], list[WsMessageFacts]]:
        wanted = set(refs)
        return (
            [c.facts for c in self.exchanges if c.ref in wanted],
            [c.facts for c in self.ws_messages if c.ref in wanted],
        )

    @property
    def refs(self) -> set[str]:
        return {c.ref for c in self.exchanges + self.ws_messages}


def _pairs(headers) -> dict[str, str]:
    if isinstance(headers, dict):
        return {str(k): str(v) for k, v in headers.items()}
    return {
        str(p[0]): str(p[1]) for p in headers or [] if isinstance(p, list | tuple) and len(p) == 2
    }


def _correlation(value) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    out: dict[str, str] = {}
    for entry in value or []:
        if isinstance(entry, dict) and entry.get("value"):
            name = str(entry.get("name") or "id")
            out[name if name not in out else f"{name}.{len(out)}"] = str(entry["value"])
    return out


def jwt_issued_at(text: str) -> str:
    """The issuance time (iat, else nbf) of the first JWT whose claims appear in the text."""
    for match in _JWT_CLAIMS.finditer(text or ""):
        claims = jwt_segment(match.group(1)) or {}
        stamp = claims.get("iat") or claims.get("nbf")
        if isinstance(stamp, int | float):
            return iso_utc(datetime.fromtimestamp(stamp, tz=UTC))
    return ""


def _ws_text(message) -> str:
    return message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))


def evidence_sources(rows, sources: CaseSources) -> None:
    for ev in rows:
        ref = f"evidence:{ev.pk}"
        if ev.kind in ("rest", "har") or ev.method or ev.status_code:
            sources.exchanges.append(
                Candidate(
                    ref,
                    f"Evidence: {ev.title or ev.url}",
                    ExchangeFacts(
                        source=ref,
                        method=ev.method,
                        url=ev.url,
                        request_headers=_pairs(ev.request_headers),
                        request_body=ev.request_body,
                        status=ev.status_code,
                        response_headers=_pairs(ev.response_headers),
                        response_body=ev.response_body,
                        correlation_ids=_correlation(ev.correlation_ids),
                        at=iso_utc(ev.captured_at or ev.created_at),
                    ),
                )
            )
        for number, message in enumerate(ev.messages or []):
            text = _ws_text(message)
            sources.jwt_issued_at = sources.jwt_issued_at or jwt_issued_at(text)
            sources.ws_messages.append(
                Candidate(
                    f"{ref}:{number}",
                    f"Evidence {ev.pk} message {number + 1}: {text[:80]}",
                    WsMessageFacts(f"{ref}:{number}", "", iso_utc(ev.created_at), text),
                )
            )


def check_run_sources(rows, sources: CaseSources) -> None:
    """rows: CheckRun instances with `run` selected."""
    for check in rows:
        run = check.run
        sources.findings.append(
            FindingFacts(
                source=f"run:{run.pk}",
                check_id=check.check_id,
                status=check.status,
                codes=list(check.codes or []),
                summary=check.summary,
                advice=check.advice,
                at=iso_utc(check.finished_at or run.created_at),
            )
        )
        endpoint = run.ws_user_url if check.check_id == "ws.user" else run.ws_market_url
        details = check.details or {}
        issued = details.get("jwt_issued")
        stamp = details.get("jwt_issued_at") or details.get("issued_at")
        if not stamp and isinstance(issued, list) and issued and isinstance(issued[0], dict):
            stamp = issued[0].get("iat") or issued[0].get("nbf")
        if stamp and not sources.jwt_issued_at:
            sources.jwt_issued_at = (
                iso_utc(datetime.fromtimestamp(stamp, tz=UTC))
                if isinstance(stamp, int | float)
                else iso_utc(str(stamp))
            )
        for number, item in enumerate(check.evidence or []):
            if not isinstance(item, dict):
                continue
            ref = f"check:{check.pk}:{number}"
            if item.get("kind") == "ws" or "direction" in item:
                text = str(item.get("data", ""))
                if item.get("direction") == "sent":
                    sources.jwt_issued_at = sources.jwt_issued_at or jwt_issued_at(text)
                sources.ws_messages.append(
                    Candidate(
                        ref,
                        f"Run {run.pk} {check.check_id} {item.get('direction', '')}: {text[:80]}",
                        WsMessageFacts(
                            ref,
                            str(item.get("direction", "")),
                            str(item.get("at", "")),
                            text,
                            endpoint,
                        ),
                    )
                )
                continue
            if str(item.get("url", "")).startswith(("ws://", "wss://")):
                continue  # a WebSocket handshake: its endpoint is already the run's URL
            sources.exchanges.append(
                Candidate(
                    ref,
                    f"Run {run.pk} {check.check_id}: {item.get('method', '')} "
                    f"{item.get('url', '')} → {item.get('status')}",
                    ExchangeFacts(
                        source=ref,
                        method=str(item.get("method", "")),
                        url=str(item.get("url", "")),
                        request_headers=_pairs(item.get("request_headers")),
                        request_body=str(item.get("request_body", "")),
                        status=item.get("status"),
                        response_headers=_pairs(item.get("response_headers")),
                        response_body=str(item.get("body_excerpt", "")),
                        correlation_ids=_correlation(item.get("correlation_ids")),
                        at=str(item.get("started_at", "")),
                    ),
                )
            )
