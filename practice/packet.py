"""The escalation packet a trainee's practice case would produce, and its completeness.

Built with the escalation app's own packet assembler and completeness meter from
everything on the practice case (its evidence and diagnostic runs), so the scorecard
measures the collect list exactly as a real packet would be measured. The document is
kept with the attempt's scorecard only; it never enters the escalation queue.
"""

from __future__ import annotations

from django.utils import timezone

from diagnostics.models import CheckRun
from escalations.packet import (
    CaseFacts,
    ExchangeFacts,
    FindingFacts,
    WsMessageFacts,
    packet_assemble,
)
from triage.models import Case, Evidence
from triage.selectors import collect_items

WS_CHECKS = {"ws.market": "ws_market_url", "ws.user": "ws_user_url"}


def _case_facts(case: Case) -> CaseFacts:
    return CaseFacts(
        reference=case.reference,
        scenario=case.scenario.slug,
        scenario_title=case.scenario.title,
        priority=case.priority,
        environment=case.environment,
        key_prefix=case.key_prefix,
        portfolio_id=str(case.portfolio_id or ""),
        product_id=case.product_id,
        ticket_reference=case.external_ticket,
        opened_at=case.created_at,
        agent=case.assignee.get_username() if case.assignee else "",
    )


def _evidence_exchanges(case: Case) -> list[ExchangeFacts]:
    rows = Evidence.objects.filter(case=case, kind=Evidence.Kind.REST)
    return [
        ExchangeFacts(
            source=f"evidence:{row.pk}", method=row.method, url=row.url,
            request_headers=row.request_headers, request_body=row.request_body,
            status=row.status_code, response_headers=row.response_headers,
            response_body=row.response_body,
            correlation_ids={c["name"]: c["value"] for c in row.correlation_ids},
            at=(row.captured_at or row.created_at).isoformat(),
        )
        for row in rows
    ]


def _diagnostic_facts(case: Case):
    exchanges, messages, findings = [], [], []
    ws_endpoint = jwt_issued_at = ""
    check_runs = CheckRun.objects.filter(run__case=case).select_related("run").order_by(
        "run__created_at", "position"
    )
    for check in check_runs:
        source = f"run:{check.run_id}:{check.check_id}"
        at = (check.finished_at or check.run.created_at).isoformat()
        findings.append(FindingFacts(
            source=source, check_id=check.check_id, status=check.status,
            codes=list(check.codes), summary=check.summary, advice=check.advice, at=at,
        ))
        ws_field = WS_CHECKS.get(check.check_id)
        endpoint = getattr(check.run, ws_field) if ws_field else ""
        for item in check.evidence or []:
            if item.get("kind") == "ws":
                messages.append(WsMessageFacts(
                    source=source, direction=item.get("direction", ""), at=item.get("at", ""),
                    data=item.get("data", ""), endpoint=endpoint,
                ))
                ws_endpoint = ws_endpoint or endpoint
            elif item.get("method"):
                exchanges.append(ExchangeFacts(
                    source=source, method=item.get("method", ""), url=item.get("url", ""),
                    request_headers=item.get("request_headers") or {},
                    request_body=item.get("request_body", ""), status=item.get("status"),
                    response_headers=item.get("response_headers") or {},
                    response_body=item.get("body_excerpt", ""),
                    correlation_ids=item.get("correlation_ids") or {},
                    at=item.get("started_at", ""),
                ))
        issued = (check.details or {}).get("jwt_issued_at")
        if issued and not jwt_issued_at:
            jwt_issued_at = str(issued)
    return exchanges, messages, findings, ws_endpoint, jwt_issued_at


def practice_packet(*, case: Case, summary: str, steps_tried: str, by: str) -> dict:
    """The packet document for a practice case, with `completeness` filled in."""
    exchanges, messages, findings, ws_endpoint, jwt_issued_at = _diagnostic_facts(case)
    return packet_assemble(
        case=_case_facts(case),
        version=1,
        created_by=by,
        created_at=timezone.now(),
        exchanges=_evidence_exchanges(case) + exchanges,
        ws_messages=messages,
        findings=findings,
        criteria=[],
        summary=summary,
        steps_tried=steps_tried,
        ws_endpoint=ws_endpoint,
        jwt_issued_at=jwt_issued_at,
        collect_labels={item.key: item.label for item in collect_items()},
    )
