"""What the JSON API does, apart from HTTP: case creation, evidence, and output shapes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja.errors import HttpError

from integrations import selectors
from integrations.evidence.importers import EvidenceFormatError, import_evidence
from integrations.models import EvidenceImport, IntegrationToken
from integrations.services import evidence_import_create
from integrations.webhooks import emit
from triage.models import Case, Evidence, ItemState, Scenario, TimelineEvent
from triage.redaction import redact_text
from triage.services import case_create, evidence_add, timeline_add

MAX_ID = 2**63 - 1


def case_for_api(*, reference: str) -> Case:
    """A non-practice case by reference (CASE-000123 or 123); 404 otherwise."""
    pk = Case.pk_from_reference(reference)
    case = (
        Case.objects.select_related("scenario").filter(pk=pk, is_practice=False).first()
        if pk and pk <= MAX_ID else None
    )
    if case is None:
        raise HttpError(404, f"No case {reference!r}.")
    return case


def _is_file(text: str) -> bool:
    """A HAR file, Postman collection or a log of several requests (not one exchange)."""
    try:
        result = import_evidence(text)
    except EvidenceFormatError:
        return False
    return result.kind in ("har", "postman") or (len(result.entries) >= 2 and not result.warnings)


def _evidence_add(*, case: Case, text: str, title: str = "", filename: str = "", by=None
                  ) -> tuple[Evidence, EvidenceImport | None]:
    if _is_file(text):
        evidence_import = evidence_import_create(case=case, text=text, filename=filename, by=by)
        return evidence_import.evidence, evidence_import
    evidence = evidence_add(case=case, raw=text, source=Evidence.Source.IMPORT, by=by,
                            title=title)
    return evidence, None


@transaction.atomic
def api_case_create(*, data, token: IntegrationToken) -> Case:
    scenario = Scenario.objects.filter(slug=data.scenario).first()
    if scenario is None:
        known = ", ".join(Scenario.objects.values_list("slug", flat=True))
        raise ValidationError({"scenario": f"Unknown scenario {data.scenario!r}; one of: "
                               f"{known}."})
    first_line = next((ln.strip() for ln in data.customer_text.splitlines() if ln.strip()), "")
    subject = redact_text(data.subject.strip() or first_line)[:200]
    case = case_create(
        subject=subject,
        scenario=scenario,
        external_ticket=data.ticket_reference.strip(),
        external_ticket_url=data.ticket_url,
        priority=data.priority,
        key_prefix=data.key_id,
        product_id=data.product_id,
    )
    evidence_add(case=case, raw=data.customer_text, kind=Evidence.Kind.TEXT,
                 source=Evidence.Source.IMPORT,
                 title=f"Customer message ({case.external_ticket})")
    for number, text in enumerate(data.evidence):
        try:
            _evidence_add(case=case, text=text)
        except ValidationError as exc:
            messages = [m for ms in getattr(exc, "message_dict", {"": exc.messages}).values()
                        for m in ms]
            raise ValidationError({f"evidence.{number}": messages}) from None
    timeline_add(case=case, kind=TimelineEvent.Kind.INTEGRATION,
                 summary=f"Created through the API ({token.name}) from {case.external_ticket}",
                 data={"token": token.prefix})
    emit("case.created", {"case": case.reference, "ticket": case.external_ticket,
                          "subject": case.subject})
    return case


@transaction.atomic
def api_evidence_add(*, case: Case, data, token: IntegrationToken) -> dict:
    try:
        evidence, evidence_import = _evidence_add(case=case, text=data.text, title=data.title,
                                                  filename=data.filename)
    except ValidationError as exc:
        messages = [m for ms in getattr(exc, "message_dict", {"": exc.messages}).values()
                    for m in ms]
        raise ValidationError({"text": messages}) from None
    timeline_add(case=case, kind=TimelineEvent.Kind.INTEGRATION,
                 summary=f"Evidence added through the API ({token.name})",
                 data={"token": token.prefix, "evidence_id": evidence.pk})
    return evidence_out(evidence=evidence, evidence_import=evidence_import)


def _import_out(evidence_import: EvidenceImport) -> dict:
    return {"id": evidence_import.pk, "kind": evidence_import.kind,
            "status": evidence_import.status, "entry_count": evidence_import.entry_count,
            "codes": evidence_import.codes}


def evidence_out(*, evidence: Evidence, evidence_import: EvidenceImport | None) -> dict:
    return {
        "id": evidence.pk, "kind": evidence.kind, "title": evidence.title,
        "method": evidence.method, "url": evidence.url, "status_code": evidence.status_code,
        "correlation_ids": evidence.correlation_ids, "redactions": evidence.redactions,
        "evidence_import": _import_out(evidence_import) if evidence_import else None,
    }


def case_out(*, case: Case, request) -> dict:
    items = list(case.checklist_items.values_list("state", flat=True))
    matches = selectors.case_signature_matches(case=case)
    known: dict[str, dict] = {}
    for match in matches:
        sig = match.signature
        entry = known.setdefault(sig.slug, {
            "slug": sig.slug, "title": sig.title, "likely_causes": sig.likely_causes,
            "checklist_item_key": sig.checklist_item_key, "hits_on_case": 0})
        entry["hits_on_case"] += 1
    escalations = []
    try:
        from escalations.models import Escalation

        escalations = [
            {"id": e.pk, "status": e.status, "version": e.version,
             "primary_code": e.primary_code}
            for e in Escalation.objects.filter(case=case).order_by("-submitted_at")
        ]
    except ImportError:  # escalations not installed
        pass
    return {
        "reference": case.reference,
        "url": request.build_absolute_uri(case.get_absolute_url()),
        "status": case.status, "priority": case.priority, "subject": case.subject,
        "scenario": case.scenario.slug, "external_ticket": case.external_ticket,
        "external_ticket_url": case.external_ticket_url, "tracker_url": case.tracker_url,
        "product_id": case.product_id, "created_at": case.created_at,
        "updated_at": case.updated_at,
        "checklist": {"total": len(items),
                      "done": sum(1 for s in items if s != ItemState.PENDING),
                      "failed": sum(1 for s in items if s == ItemState.FAIL)},
        "findings": [f.__dict__ for f in selectors.case_findings(case=case)],
        "known_errors": list(known.values()),
        "imports": [_import_out(i) for i in selectors.case_imports(case=case)],
        "escalations": escalations,
    }


def _packets():
    from escalations.models import Packet

    return Packet.objects.select_related("escalation").filter(escalation__is_practice=False)


def _packet_summary(packet) -> dict:
    return {"id": packet.pk, "escalation_id": packet.escalation_id, "version": packet.version,
            "content_hash": packet.content_hash, "created_at": packet.created_at}


def packet_summaries(*, case: Case) -> list[dict]:
    packets = _packets().filter(escalation__case=case).order_by("-created_at", "-version")
    return [_packet_summary(p) for p in packets]


def packet_get(*, packet_id: int) -> dict:
    packet = _packets().filter(pk=packet_id).first() if 0 < packet_id <= MAX_ID else None
    if packet is None:
        raise HttpError(404, f"No packet {packet_id}.")
    return {**_packet_summary(packet), "document": packet.document}
