"""Writes for escalations: submit or correct a packet, review actions, exports, notifications.

Keyword-only, atomic. The redaction gate and the schema run before anything is saved.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from escalations import selectors
from escalations.completeness import completeness_gaps_need_reason
from escalations.criteria import CriteriaInput, RunFinding, criteria_evaluate
from escalations.exports import PacketInvalid, export, packet_validate
from escalations.models import Escalation, EscalationTag, Notification, Packet, ReviewEvent
from escalations.packet import (
    CaseFacts,
    PacketRefused,
    packet_assemble,
    packet_signatures,
    redaction_gate,
)
from escalations.radar import prefixes_by_code, radar_thresholds
from escalations.signals import escalation_event
from escalations.sla import due_at
from escalations.workflow import action_check, correction_target
from triage.models import Case, TimelineEvent
from triage.services import case_transition, timeline_add

S = Escalation.Status


def _case_facts(case: Case) -> CaseFacts:
    return CaseFacts(
        reference=case.reference,
        scenario=case.scenario.slug,
        scenario_title=case.scenario.title,
        priority=case.priority,
        environment=case.environment,
        key_prefix=case.key_prefix,
        portfolio_id=str(case.portfolio_id) if case.portfolio_id else "",
        product_id=case.product_id,
        ticket_reference=case.external_ticket,
        opened_at=case.created_at,
        agent=case.assignee.get_username() if case.assignee else "",
    )


def packet_draft(
    *,
    case: Case,
    by,
    refs,
    summary: str,
    steps_tried: str,
    gap_reason: str = "",
    version: int = 1,
    previous_hash: str = "",
) -> dict:
    """Assemble the packet document for a case from the items the agent ticked; no writes."""
    sources = selectors.case_sources(case=case)
    exchanges, ws_messages = sources.pick(refs)
    spread = prefixes_by_code(selectors.radar_signals(now=timezone.now(), exclude_case=case))
    data = CriteriaInput(
        findings=[RunFinding(f.source, f.check_id, f.status, f.codes) for f in sources.findings],
        rest_statuses=[
            (e.source, e.status) for e in exchanges if e.status and e.source.startswith("evidence:")
        ],
        prefixes_by_code=spread,
        own_prefix=case.key_prefix,
    )
    rows = [(c.key, c.title) for c in selectors.criteria_rows()]
    return packet_assemble(
        case=_case_facts(case),
        version=version,
        created_by=by.get_username(),
        created_at=timezone.now(),
        exchanges=exchanges,
        ws_messages=ws_messages,
        findings=sources.findings,
        criteria=[r.to_dict() for r in criteria_evaluate(data, rows)],
        summary=summary,
        steps_tried=steps_tried,
        jwt_issued_at=sources.jwt_issued_at,
        previous_hash=previous_hash,
        gap_reason=gap_reason,
        collect_labels=selectors.collect_labels(),
    )


def packet_check(document: dict) -> None:
    """Gate then schema; raise ValidationError saying where a problem is."""
    try:
        redaction_gate(document)
        packet_validate(document)
    except (PacketRefused, PacketInvalid) as exc:
        raise ValidationError(str(exc)) from None
    if completeness_gaps_need_reason(document["completeness"]):
        missing = ", ".join(document["completeness"]["missing"])
        raise ValidationError(
            {"gap_reason": f"Still missing: {missing}. Say why you escalate without it."}
        )


def _tags(escalation: Escalation, document: dict) -> None:
    escalation.tags.all().delete()
    at = escalation.last_submitted_at
    rows = [(EscalationTag.Kind.CODE, code) for code in document["codes"]]
    rows += [(EscalationTag.Kind.CORRELATION, cid[:255]) for cid in document["correlation_ids"]]
    rows += [
        (EscalationTag.Kind.SIGNATURE, f"{code} {endpoint}"[:255])
        for code, endpoint in packet_signatures(document)
    ]
    EscalationTag.objects.bulk_create(
        [
            EscalationTag(
                escalation=escalation, kind=k, value=v, key_prefix=escalation.key_prefix, at=at
            )
            for k, v in dict.fromkeys(rows)
        ]
    )


def _copy_facts(escalation: Escalation, case: Case, document: dict) -> None:
    escalation.scenario_id = case.scenario_id
    escalation.priority = case.priority
    escalation.product_id = case.product_id
    escalation.key_prefix = document["context"]["key_prefix"]
    escalation.codes = document["codes"]
    escalation.primary_code = document["codes"][0] if document["codes"] else ""
    escalation.completeness = document["completeness"]["percent"]
    targets = selectors.sla_targets_for(scenario_id=case.scenario_id, priority=case.priority)
    escalation.escalation_due_at = due_at(case.created_at, targets.get("escalation"))
    escalation.resolution_due_at = due_at(case.created_at, targets.get("resolution"))


def _leads():
    User = get_user_model()
    perm = Q(groups__permissions__codename="review_escalation") | Q(
        user_permissions__codename="review_escalation"
    )
    return User.objects.filter(perm, is_active=True).distinct()


def _notify(*, recipients, escalation: Escalation, kind: str, message: str) -> None:
    recipients = list(recipients)
    Notification.objects.bulk_create(
        [
            Notification(recipient=u, escalation=escalation, kind=kind, message=message)
            for u in recipients
        ]
    )
    emails = [u.email for u in recipients if u.email]
    if emails:
        transaction.on_commit(
            lambda: send_mail(
                subject=message[:120],
                message=f"{message}\n\n{escalation.get_absolute_url()}",
                from_email=None,
                recipient_list=emails,
                fail_silently=True,
            )
        )


def _event_payload(escalation: Escalation, case: Case, **extra) -> dict:
    return {
        "case": case.reference,
        "escalation_id": escalation.pk,
        "status": escalation.status,
        "scenario": case.scenario.slug if case.scenario_id else "",
        "key_prefix": case.key_prefix,
        "product_id": case.product_id,
        "packet_version": escalation.version,
        "url": escalation.get_absolute_url(),
        **extra,
    }


def _radar_fired(escalation: Escalation, now) -> list:
    """Incidents this escalation has just brought to the radar's threshold."""
    minimum, _window = radar_thresholds()
    ref = f"escalation:{escalation.pk}"
    return [
        incident for incident in selectors.radar_now(now=now)
        if ref in incident.refs and len(incident.prefixes) == minimum
    ]


def _announce(escalation: Escalation, case: Case, event: str, **extra) -> None:
    if not escalation.is_practice:
        escalation_event.send(
            sender=Escalation, event=event, payload=_event_payload(escalation, case, **extra)
        )


@transaction.atomic
def escalation_submit(
    *, case: Case, by, refs, summary: str, steps_tried: str, gap_reason: str = ""
) -> Packet:
    """Submit a packet: the first version opens an escalation, later ones are corrections."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("scenario", "assignee")
        .get(pk=case.pk)
    )
    escalation = (
        Escalation.objects.select_for_update().filter(case=case).exclude(status=S.RESOLVED).first()
    )
    previous = escalation.packets.order_by("-version").first() if escalation else None
    document = packet_draft(
        case=case,
        by=by,
        refs=refs,
        summary=summary,
        steps_tried=steps_tried,
        gap_reason=gap_reason,
        version=previous.version + 1 if previous else 1,
        previous_hash=previous.content_hash if previous else "",
    )
    packet_check(document)
    now = timezone.now()
    if escalation is None:
        escalation = Escalation(
            case=case, agent=by, case_opened_at=case.created_at, is_practice=case.is_practice
        )
        from_status, to_status, action = "", S.SUBMITTED, ReviewEvent.Action.SUBMITTED
    else:
        from_status = escalation.status
        to_status = correction_target(escalation.status)
        action = ReviewEvent.Action.CORRECTED
    _copy_facts(escalation, case, document)
    escalation.status = to_status
    escalation.version = document["packet"]["version"]
    escalation.last_submitted_at = escalation.updated_at = now
    escalation.full_clean(exclude=["case", "agent", "scenario"])
    escalation.save()
    _tags(escalation, document)
    packet = Packet.objects.create(
        escalation=escalation,
        version=escalation.version,
        schema_version=document["schema_version"],
        document=document,
        content_hash=document["content_hash"],
        created_by=by,
    )
    ReviewEvent.objects.create(
        escalation=escalation,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=to_status,
        packet_version=packet.version,
        data={"content_hash": packet.content_hash, "missing": document["completeness"]["missing"]},
    )
    if case.status != Case.Status.ESCALATED:
        case_transition(
            case=case, to=Case.Status.ESCALATED, by=by, reason=f"Packet v{packet.version}"
        )
    timeline_add(
        case=case,
        kind=TimelineEvent.Kind.ESCALATION,
        actor=by,
        summary=f"Escalation packet v{packet.version} submitted",
        data={"escalation_id": escalation.pk, "packet_id": packet.pk},
    )
    if not escalation.is_practice:
        verb = (
            "New escalation" if action == ReviewEvent.Action.SUBMITTED else "Corrected escalation"
        )
        _notify(
            recipients=_leads().exclude(pk=by.pk),
            escalation=escalation,
            kind=Notification.Kind.NEW_ESCALATION,
            message=f"{verb} {case.reference} v{packet.version}: {case.scenario.title}",
        )
        if action == ReviewEvent.Action.SUBMITTED:
            _announce(escalation, case, "case.escalated")
        for incident in _radar_fired(escalation, now):
            _announce(
                escalation, case, "incident.radar_fired", code=incident.code,
                endpoint=incident.endpoint, key_prefixes=incident.prefixes,
                cases=[signal.label for signal in incident.signals],
            )
    return packet


@transaction.atomic
def escalation_review(*, escalation: Escalation, by, action: str, comment: str = "") -> Escalation:
    """A lead acknowledges, requests information, forwards or resolves; all rules in workflow."""
    if not by.has_perm("triage.review_escalation"):
        raise PermissionError("Only team leads review escalations.")
    locked = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=escalation.pk)
    )
    step = action_check(status=locked.status, name=action, comment=comment)
    previous = locked.status
    now = timezone.now()
    locked.status = step.target
    locked.updated_at = now
    if step.target == S.INFO_REQUESTED:
        locked.returned_count += 1
    if step.target == S.RESOLVED:
        locked.resolved_at = now
    locked.save()
    ReviewEvent.objects.create(
        escalation=locked,
        actor=by,
        action=step.event,
        from_status=previous,
        to_status=step.target,
        packet_version=locked.version,
        comment=comment,
    )
    case = locked.case
    if step.target == S.INFO_REQUESTED and case.status == Case.Status.ESCALATED:
        case_transition(case=case, to=Case.Status.DIAGNOSING, by=by, reason=comment)
    if step.target == S.RESOLVED and case.status != Case.Status.RESOLVED:
        case_transition(case=case, to=Case.Status.RESOLVED, by=by, reason=comment or step.label)
    timeline_add(
        case=case,
        kind=TimelineEvent.Kind.ESCALATION,
        actor=by,
        summary=f"Escalation {step.label.lower()}" + (f": {comment}" if comment else ""),
        data={"escalation_id": locked.pk, "action": action},
    )
    kind = (
        Notification.Kind.RETURNED if step.target == S.INFO_REQUESTED else Notification.Kind.STATUS
    )
    _notify(
        recipients=[locked.agent],
        escalation=locked,
        kind=kind,
        message=f"{case.reference}: {step.label}" + (f" — {comment[:200]}" if comment else ""),
    )
    if step.target == S.INFO_REQUESTED:
        _announce(locked, case, "packet.returned", comment=comment)
    elif step.target == S.RESOLVED:
        _announce(locked, case, "packet.resolved", comment=comment)
    escalation.status = locked.status
    return locked


@transaction.atomic
def packet_export(*, packet: Packet, by, fmt: str) -> str:
    """Render an export (after the redaction gate) and record who exported it."""
    try:
        text = export(packet.document, fmt)
    except PacketRefused as exc:
        raise ValidationError(str(exc)) from None
    ReviewEvent.objects.create(
        escalation_id=packet.escalation_id,
        actor=by,
        action=ReviewEvent.Action.EXPORTED,
        from_status="",
        to_status="",
        packet_version=packet.version,
        data={"format": fmt},
    )
    return text


def notifications_mark_read(*, user, escalation: Escalation | None = None) -> int:
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if escalation is not None:
        rows = rows.filter(escalation=escalation)
    return rows.update(read_at=timezone.now())
