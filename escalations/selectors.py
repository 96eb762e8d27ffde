"""Reads for escalations: builder sources, the lead queue, the radar, similar cases, SLA."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse

from escalations.models import Escalation, EscalationTag, Notification, Packet, SlaTarget
from escalations.packet import endpoint_signature
from escalations.radar import Incident, Signal, radar_incidents, radar_thresholds
from escalations.sla import default_targets, sla_timers
from escalations.sources import CaseSources, check_run_sources, evidence_sources
from triage.models import Case as TriageCase
from triage.models import CollectItem, EscalationCriterion, TimelineEvent
from triage.redaction import key_prefix as reduce_key_prefix

SIMILAR_DAYS = 30
SIMILAR_LIMIT = 10


def is_lead(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("triage.review_escalation"))


def case_sources(*, case) -> CaseSources:
    """Everything the builder can put in a packet: 2 queries."""
    from diagnostics.models import CheckRun

    sources = CaseSources()
    evidence_sources(case.evidence.order_by("created_at", "pk"), sources)
    checks = (
        CheckRun.objects.filter(run__case=case)
        .exclude(status__in=CheckRun.ACTIVE)
        .select_related("run")
        .order_by("run__created_at", "position", "pk")
    )
    check_run_sources(checks, sources)
    return sources


def criteria_rows() -> list[EscalationCriterion]:
    return list(EscalationCriterion.objects.order_by("order", "key"))


def collect_labels() -> dict[str, str]:
    return dict(CollectItem.objects.values_list("key", "label"))


def sla_targets_for(*, scenario_id: int | None, priority: str) -> dict[str, int | None]:
    """The scenario's own row, else the any-scenario row, else the defaults."""
    rows = {
        row.scenario_id: row
        for row in SlaTarget.objects.filter(
            Q(scenario_id=scenario_id) | Q(scenario__isnull=True), priority=priority
        )
    }
    row = rows.get(scenario_id) or rows.get(None)
    return row.as_targets() if row else default_targets(priority)


def case_first_diagnosis_at(*, case) -> datetime | None:
    """The first diagnostic run or checklist item set on the case."""
    kinds = [TimelineEvent.Kind.DIAGNOSTIC, TimelineEvent.Kind.ITEM_SET]
    stamps = [
        case.timeline.filter(kind__in=kinds).aggregate(first=Min("at"))["first"],
        case.diagnostic_runs.aggregate(first=Min("created_at"))["first"],
    ]
    stamps = [s for s in stamps if s is not None]
    return min(stamps) if stamps else None


def case_sla(*, case, escalation: Escalation | None, now: datetime):
    milestones = {
        "first_diagnosis": case_first_diagnosis_at(case=case),
        "escalation": escalation.submitted_at if escalation else None,
        "resolution": escalation.resolved_at if escalation else None,
    }
    targets = sla_targets_for(scenario_id=case.scenario_id, priority=case.priority)
    return sla_timers(targets=targets, opened_at=case.created_at, milestones=milestones, now=now)


# The lead queue ---------------------------------------------------------------------------


@dataclass
class QueueFilters:
    status: str = ""
    scenario: int | None = None
    agent: int | None = None
    product: str = ""
    code: str = ""
    since: datetime | None = None
    until: datetime | None = None
    q: str = ""


def escalation_queue(*, filters: QueueFilters, now: datetime) -> QuerySet[Escalation]:
    """Filtered escalations, newest first, with SLA flags; rows need no further queries."""
    rows = Escalation.objects.filter(is_practice=False)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.scenario:
        rows = rows.filter(scenario_id=filters.scenario)
    if filters.agent:
        rows = rows.filter(agent_id=filters.agent)
    if filters.product:
        rows = rows.filter(product_id=filters.product.strip().upper())
    if filters.since:
        rows = rows.filter(submitted_at__gte=filters.since)
    if filters.until:
        rows = rows.filter(submitted_at__lt=filters.until)
    if filters.code:
        rows = rows.filter(
            Exists(
                EscalationTag.objects.filter(
                    escalation=OuterRef("pk"), kind=EscalationTag.Kind.CODE, value=filters.code
                )
            )
        )
    term = filters.q.strip()
    if term:
        match = Q(
            Exists(
                EscalationTag.objects.filter(
                    escalation=OuterRef("pk"), kind=EscalationTag.Kind.CORRELATION, value=term
                )
            )
        )
        prefix = reduce_key_prefix(term).prefix
        if prefix:
            match |= Q(key_prefix=prefix)
        case_pk = TriageCase.pk_from_reference(term)
        if case_pk:
            match |= Q(case_id=case_pk)
        rows = rows.filter(match)
    return (
        rows.select_related("case", "scenario", "agent")
        .annotate(
            escalation_breached=Case(
                When(submitted_at__gt=F("escalation_due_at"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            resolution_breached=Case(
                When(
                    Q(resolved_at__isnull=True, resolution_due_at__lt=now)
                    | Q(resolved_at__gt=F("resolution_due_at")),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-submitted_at", "-id")
    )


def escalation_get(*, pk: int, user) -> Escalation:
    """Leads see every escalation; an agent only their own (others get 404)."""
    rows = Escalation.objects.select_related("case", "case__scenario", "agent", "scenario")
    if not is_lead(user):
        rows = rows.filter(agent=user)
    return get_object_or_404(rows, pk=pk)


def escalation_packets(*, escalation: Escalation) -> list[Packet]:
    return list(escalation.packets.select_related("created_by").order_by("-version"))


def escalation_events(*, escalation: Escalation):
    return list(escalation.events.select_related("actor").order_by("-at", "-pk"))


def packet_get(*, pk: int, user) -> Packet:
    rows = Packet.objects.select_related("escalation", "escalation__case", "created_by")
    if not is_lead(user):
        rows = rows.filter(escalation__agent=user)
    return get_object_or_404(rows, pk=pk)


def case_active_escalation(*, case) -> Escalation | None:
    return (
        Escalation.objects.filter(case=case)
        .order_by(F("resolved_at").desc(nulls_first=True), "-submitted_at")
        .first()
    )


def notifications_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(*, user, limit: int = 30) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("escalation")
        .order_by("-created_at", "-pk")[:limit]
    )


# Incident radar and similar cases ---------------------------------------------------------


def radar_signals(*, now: datetime, exclude_case=None) -> list[Signal]:
    """Failure signatures in the radar window, from escalations and diagnostic checks."""
    from diagnostics.models import CheckRun

    _, window = radar_thresholds()
    since = now - window
    tags = EscalationTag.objects.filter(
        kind=EscalationTag.Kind.SIGNATURE, at__gte=since, escalation__is_practice=False
    ).values_list("value", "key_prefix", "at", "escalation_id", "escalation__case_id")
    if exclude_case is not None:
        tags = tags.exclude(escalation__case=exclude_case)
    signals = []
    for value, prefix, at, escalation_id, case_id in tags:
        code, _, endpoint = value.partition(" ")
        url = reverse("escalations:escalation_detail", args=[escalation_id])
        signals.append(
            Signal(
                prefix,
                code,
                endpoint,
                at,
                f"escalation:{escalation_id}",
                f"CASE-{case_id:06d}",
                url,
            )
        )
    checks = CheckRun.objects.filter(
        status__in=("fail", "error"), finished_at__gte=since, run__case__is_practice=False
    ).values_list(
        "codes",
        "evidence",
        "check_id",
        "finished_at",
        "run__key_prefix",
        "run__case_id",
        "run__ws_user_url",
        "run__ws_market_url",
        "run_id",
    )
    if exclude_case is not None:
        checks = checks.exclude(run__case=exclude_case)
    for codes, evidence, check_id, at, prefix, case_id, ws_user, ws_market, run_id in checks:
        if check_id.startswith("ws."):
            endpoint = endpoint_signature(ws_user if check_id == "ws.user" else ws_market)
        else:
            urls = [e.get("url", "") for e in evidence or [] if isinstance(e, dict)]
            endpoint = endpoint_signature(urls[-1]) if urls else ""
        url = reverse("triage:case_detail", args=[case_id])
        for code in codes or []:
            signals.append(
                Signal(prefix, code, endpoint, at, f"run:{run_id}", f"CASE-{case_id:06d}", url)
            )
    return signals


def radar_now(*, now: datetime) -> list[Incident]:
    return radar_incidents(radar_signals(now=now))


@dataclass
class SimilarCase:
    case_id: int
    reference: str
    subject: str
    status: str
    outcome: str
    shared: list[str]


def similar_cases(*, case, now: datetime) -> list[SimilarCase]:
    """Cases of the last 30 days sharing a finding code or failure signature: 4 queries."""
    from diagnostics.models import CheckRun

    since = now - timedelta(days=SIMILAR_DAYS)
    own_codes = set()
    for codes in CheckRun.objects.filter(run__case=case).values_list("codes", flat=True):
        own_codes.update(codes or [])
    own_tags = set(
        EscalationTag.objects.filter(escalation__case=case)
        .exclude(kind=EscalationTag.Kind.CORRELATION)
        .values_list("value", flat=True)
    )
    own_codes |= {t for t in own_tags if " " not in t}
    if not own_codes and not own_tags:
        return []
    shared: dict[int, set[str]] = {}
    for case_id, value in (
        EscalationTag.objects.filter(value__in=own_tags | own_codes, at__gte=since)
        .exclude(escalation__case=case)
        .exclude(kind=EscalationTag.Kind.CORRELATION)
        .filter(escalation__is_practice=False)
        .values_list("escalation__case_id", "value")
    ):
        shared.setdefault(case_id, set()).add(value)
    for case_id, codes in (
        CheckRun.objects.filter(run__created_at__gte=since, run__case__is_practice=False)
        .exclude(run__case=case)
        .exclude(codes=[])
        .values_list("run__case_id", "codes")[:5000]
    ):
        hits = own_codes.intersection(codes or [])
        if hits:
            shared.setdefault(case_id, set()).update(hits)
    ranked = sorted(shared, key=lambda pk: (-len(shared[pk]), -pk))[:SIMILAR_LIMIT]
    cases = TriageCase.objects.in_bulk(ranked)
    outcomes = {
        e.case_id: e.get_status_display()
        for e in Escalation.objects.filter(case_id__in=ranked).order_by("submitted_at")
    }
    return [
        SimilarCase(
            case_id=pk,
            reference=cases[pk].reference,
            subject=cases[pk].subject,
            status=cases[pk].get_status_display(),
            outcome=cases[pk].resolution[:200] or outcomes.get(pk, ""),
            shared=sorted(shared[pk]),
        )
        for pk in ranked
        if pk in cases
    ]
