"""Packet exports: JSON (validated against docs/packet-schema.json), Markdown, print HTML.

Every export starts from the stored document and passes the redaction gate first, so a
secret the gate recognises can never leave in an export.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from escalations.packet import redaction_gate

FORMATS = {
    "json": ("application/json", "json"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
}


class PacketInvalid(ValueError):
    """The document does not follow the packet schema."""


@lru_cache(maxsize=1)
def packet_schema() -> dict:
    path = Path(settings.BASE_DIR) / "docs" / "packet-schema.json"
    return json.loads(path.read_text())


def packet_validate(document: dict) -> None:
    """Raise PacketInvalid naming each place the document breaks the schema."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(packet_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        where = "; ".join(
            f"$.{'.'.join(str(p) for p in e.absolute_path)}: {e.message[:160]}" for e in errors[:5]
        )
        raise PacketInvalid(
            f"The packet does not follow schema {document.get('schema_version')}: {where}"
        )


def export_json(document: dict) -> str:
    redaction_gate(document)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(value) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def _fence(text: str, lang: str = "") -> list[str]:
    body = text or ""
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return [f"{ticks}{lang}", body, ticks]


def _http_block(exchange: dict) -> list[str]:
    lines = [f"{exchange['method']} {exchange['url']}"]
    lines += [f"{k}: {v}" for k, v in exchange["request_headers"].items()]
    if exchange["request_body"]:
        lines += ["", exchange["request_body"]]
    lines += [
        "",
        f"HTTP {exchange['status'] if exchange['status'] is not None else '(no response)'}",
    ]
    lines += [f"{k}: {v}" for k, v in exchange["response_headers"].items()]
    if exchange["response_body"]:
        lines += ["", exchange["response_body"]]
    return _fence("\n".join(lines), "http")


def export_markdown(document: dict) -> str:
    """CommonMark that pastes into Jira and Zendesk: headings, lists, tables, fences."""
    redaction_gate(document)
    d = document
    case, ctx, meter = d["case"], d["context"], d["completeness"]
    out = [
        f"## Escalation {d['packet']['case_reference']} v{d['packet']['version']}",
        "",
        f"- Scenario: {case['scenario_title'] or case['scenario']}",
        f"- Priority: {case['priority']}",
        f"- Ticket: {case['ticket_reference']}",
        f"- Agent: {case['agent']}",
        f"- Case opened: {case['opened_at']}",
        f"- Packet created: {d['packet']['created_at']} by {d['packet']['created_by']}",
        f"- API key prefix: `{ctx['key_prefix']}`",
        f"- Portfolio ID: `{ctx['portfolio_id']}`",
        f"- Product pair: {ctx['product_id']}",
        f"- Environment: {ctx['environment']}",
        f"- Correlation IDs: {', '.join(f'`{c}`' for c in d['correlation_ids'])}",
        f"- Time range (UTC): {d['time_range']['first']} – {d['time_range']['last']}",
        "",
        "### Summary",
        "",
        d["summary"],
        "",
        "### Steps already tried",
        "",
        d["steps_tried"],
        "",
        "### When to escalate",
        "",
        "| Criterion | Met | Reason |",
        "| --- | --- | --- |",
    ]
    out += [
        f"| {_cell(c['title'])} | {'yes' if c['met'] else 'no'} | {_cell(c['reason'])} |"
        for c in d["criteria"]
    ]
    out += ["", "### Diagnostic findings", "", "| Check | Status | Codes | Summary |"]
    out += ["| --- | --- | --- | --- |"]
    out += [
        f"| {_cell(f['check_id'])} | {f['status']} | {_cell(', '.join(f['codes']))} "
        f"| {_cell(f['summary'])} |"
        for f in d["findings"]
    ]
    out += ["", "### REST exchanges", ""]
    for number, exchange in enumerate(d["rest_exchanges"], 1):
        ids = ", ".join(f"{k}={v}" for k, v in exchange["correlation_ids"].items())
        out += [f"#### {number}. {exchange['method']} {exchange['url']} → {exchange['status']}"]
        out += ["", f"- At: {exchange['at']}", f"- Correlation IDs: {ids}", ""]
        out += _http_block(exchange) + [""]
    ws = d["websocket"]
    if ws:
        out += ["### WebSocket", "", f"- Endpoint: {ws['endpoint']}"]
        out += [
            f"- Channels: {', '.join(ws['channels'])}",
            f"- JWT issued at: {ws['jwt_issued_at']}",
        ]
        out += ["", "Sample messages:", ""]
        for message in ws["messages"]:
            out += [f"- {message['at']} {message['direction']}", ""]
            out += ["  " + line for line in _fence(message["data"], "json")] + [""]
    out += [
        "### Collected before escalating",
        "",
        f"{meter['present']} of {meter['required']} ({meter['percent']}%)",
        "",
    ]
    marks = {"present": "[x]", "missing": "[ ]", "not_applicable": "[-]"}
    out += [f"- {marks[i['state']]} {i['label']}" for i in meter["items"]]
    if meter["missing"]:
        out += ["", f"Missing: {', '.join(meter['missing'])}"]
        out += [f"Reason for escalating with gaps: {meter['gap_reason']}"]
    out += ["", f"Content hash: `{d['content_hash']}` · schema {d['schema_version']}", ""]
    return "\n".join(out)


def export_html(document: dict) -> str:
    redaction_gate(document)
    return render_to_string("escalations/packet_print.html", {"doc": document})


def export(document: dict, fmt: str) -> str:
    return {"json": export_json, "md": export_markdown, "html": export_html}[fmt](document)


def packet_facts(document: dict) -> list[str]:
    """The facts every export must carry, as strings (used to compare exports)."""
    d = document
    facts = [
        d["packet"]["case_reference"],
        d["content_hash"],
        d["summary"],
        d["steps_tried"],
        *[v for v in d["context"].values() if v],
        *d["correlation_ids"],
        *d["codes"],
        *[c["reason"] for c in d["criteria"]],
        *[f["summary"] for f in d["findings"]],
        *d["completeness"]["missing"],
    ]
    for exchange in d["rest_exchanges"]:
        facts += [exchange["url"], exchange["at"], str(exchange["status"])]
        facts += [f"{k}: {v}" for k, v in exchange["request_headers"].items()]
        facts += [f"{k}: {v}" for k, v in exchange["response_headers"].items()]
    if d["websocket"]:
        facts += [d["websocket"]["endpoint"], d["websocket"]["jwt_issued_at"]]
        facts += d["websocket"]["channels"]
    return [f for f in facts if f]
