"""Request and response shapes of the JSON API (they make the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, field_validator

MAX_EVIDENCE_CHARS = 5 * 1024 * 1024


class ErrorItem(Schema):
    field: str | None = Field(description="Dotted path of the offending field, or null.")
    message: str


class ErrorsOut(Schema):
    errors: list[ErrorItem]


def _http_url(value: str) -> str:
    value = (value or "").strip()
    if value and not value.lower().startswith(("https://", "http://")):
        raise ValueError("Enter an http(s) URL.")
    return value


def _no_nul(value):
    """Text with NUL characters cannot be stored; refuse it with a clear message."""
    items = value if isinstance(value, list) else [value]
    if any(isinstance(item, str) and "\x00" in item for item in items):
        raise ValueError("Must not contain NUL (\\x00) characters; send text, not binary data.")
    return value


class CaseCreateIn(Schema):
    ticket_reference: str = Field(min_length=1, max_length=120,
                                  description="The help desk's ticket id, e.g. ZD-48121.")
    ticket_url: str = Field("", max_length=200, description="Link back to the ticket.")
    subject: str = Field("", max_length=200,
                         description="One line; defaults to the customer text's first line.")
    customer_text: str = Field(min_length=1, max_length=20000,
                               description="What the customer wrote.")
    evidence: list[str] = Field(default_factory=list, max_length=10,
                                description="Pasted exchanges, HAR files or request logs.")
    scenario: str = Field("other", max_length=50, description="Scenario slug.")
    priority: Literal["urgent", "high", "normal", "low"] = "normal"
    product_id: str = Field("", max_length=21, description="e.g. BTC-USD")
    key_id: str = Field("", max_length=200,
                        description="API key name or id; only a short prefix is kept.")

    _text_only = field_validator("*")(_no_nul)

    @field_validator("ticket_url")
    @classmethod
    def _ticket_url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("ticket_reference", "customer_text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Must not be blank.")
        return value

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item.strip():
                raise ValueError("Evidence items must not be blank.")
            if len(item) > MAX_EVIDENCE_CHARS:
                raise ValueError("An evidence item is over 5 MB.")
        return value


class EvidenceIn(Schema):
    text: str = Field(min_length=1, max_length=MAX_EVIDENCE_CHARS,
                      description="An HTTP exchange, JSON, WebSocket frames, a HAR file, a "
                      "Postman collection or a request log.")
    title: str = Field("", max_length=200)
    filename: str = Field("", max_length=200)

    _text_only = field_validator("*")(_no_nul)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Must not be blank.")
        return value


class ChecklistOut(Schema):
    total: int
    done: int
    failed: int


class FindingOut(Schema):
    source: str
    check_id: str
    status: str
    summary: str
    codes: list[str]
    advice: str


class SignatureOut(Schema):
    slug: str
    title: str
    likely_causes: list[str]
    checklist_item_key: str
    hits_on_case: int


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    entry_count: int
    codes: list[str]


class EscalationOut(Schema):
    id: int
    status: str
    version: int
    primary_code: str


class CaseOut(Schema):
    reference: str
    url: str
    status: str
    priority: str
    subject: str
    scenario: str
    external_ticket: str
    external_ticket_url: str
    tracker_url: str
    product_id: str
    created_at: datetime
    updated_at: datetime
    checklist: ChecklistOut
    findings: list[FindingOut]
    known_errors: list[SignatureOut]
    imports: list[ImportOut]
    escalations: list[EscalationOut]


class EvidenceOut(Schema):
    id: int
    kind: str
    title: str
    method: str
    url: str
    status_code: int | None
    correlation_ids: list[Any]
    redactions: int
    evidence_import: ImportOut | None = None


class PacketSummaryOut(Schema):
    id: int
    escalation_id: int
    version: int
    content_hash: str
    created_at: datetime


class PacketOut(PacketSummaryOut):
    document: dict[str, Any]
