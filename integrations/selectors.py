"""Reads for integrations; each runs a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from integrations.models import (
    ErrorSignature,
    EvidenceImport,
    ReplyDraft,
    ReplyTemplate,
    SignatureMatch,
    WebhookDelivery,
    WebhookEndpoint,
)

CASE_IMPORTS_LIMIT = 10
DELIVERIES_PAGE = 50


@dataclass
class Finding:
    """One result card: from a live diagnostic check or from an evidence analyzer."""

    source: str  # "diagnostic run #5" | "evidence import #3"
    check_id: str
    status: str
    summary: str
    codes: list[str]
    advice: str
    details: dict


def case_imports(*, case) -> list[EvidenceImport]:
    return list(
        EvidenceImport.objects.filter(case=case)
        .defer("entries")
        .order_by("-created_at", "-pk")[:CASE_IMPORTS_LIMIT]
    )


def import_get(*, case, pk: int) -> EvidenceImport:
    return EvidenceImport.objects.get(case=case, pk=pk)


def case_signature_matches(*, case) -> list[SignatureMatch]:
    return list(
        SignatureMatch.objects.filter(case=case).select_related("signature").order_by(
            "signature__order", "-created_at"
        )
    )


def case_findings(*, case) -> list[Finding]:
    """Every finished result on the case: diagnostic checks, then evidence analyses."""
    findings: list[Finding] = []
    try:
        from diagnostics.models import CheckRun
    except ImportError:  # diagnostics not installed
        CheckRun = None
    if CheckRun is not None:
        checks = (
            CheckRun.objects.filter(run__case=case)
            .exclude(status__in=CheckRun.ACTIVE)
            .order_by("-run__created_at", "position")
        )
        for check in checks:
            findings.append(Finding(f"diagnostic run #{check.run_id}", check.check_id,
                                    check.status, check.summary, list(check.codes),
                                    check.advice, check.details))
    imports = EvidenceImport.objects.filter(case=case, status=EvidenceImport.Status.DONE).defer(
        "entries"
    )
    for evidence_import in imports:
        for result in evidence_import.results:
            findings.append(Finding(f"evidence import #{evidence_import.pk}", result["check_id"],
                                    result["status"], result["summary"], result["codes"],
                                    result["advice"], result["details"]))
    return findings


def reply_options(*, case, codes: set[str]) -> tuple[list[ReplyTemplate], list[ReplyTemplate]]:
    """Templates that apply to the case: by its finding codes and its failed items."""
    from triage.models import ItemState

    item_keys = set(
        case.checklist_items.filter(state=ItemState.FAIL).values_list("item__key", flat=True)
    )
    templates = list(ReplyTemplate.objects.filter(enabled=True))
    by_code = [t for t in templates if t.target == ReplyTemplate.Target.FINDING and t.key in codes]
    by_item = [t for t in templates if t.target == ReplyTemplate.Target.ITEM
               and t.key in item_keys]
    return by_code, by_item


def reply_draft_get(*, case) -> ReplyDraft | None:
    return ReplyDraft.objects.filter(case=case).first()


def signature_library() -> QuerySet[ErrorSignature]:
    return ErrorSignature.objects.annotate(cases=Count("matches__case", distinct=True)).order_by(
        "-hit_count", "order"
    )


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.annotate(delivery_count=Count("deliveries")).order_by("name")


def delivery_list(*, endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(endpoint.deliveries.order_by("-created_at", "-pk")[:DELIVERIES_PAGE])
