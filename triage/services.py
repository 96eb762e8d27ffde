"""Writes for the triage workspace. Keyword-only, atomic; the only place rules are enforced."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from triage.evidence import DEFAULT_MAX_BYTES, EvidenceError, parse_evidence
from triage.models import (
    Case,
    CaseChecklistItem,
    ChecklistTemplate,
    Evidence,
    ItemState,
    Scenario,
    TimelineEvent,
)
from triage.redaction import key_prefix as reduce_key_prefix
from triage.redaction import redact_data, redact_text

# When several checks of one diagnostic run answer the same item, the worst result wins.
_SEVERITY = {ItemState.FAIL: 3, ItemState.PASS: 2, ItemState.NA: 1, ItemState.PENDING: 0}


class TransitionError(ValidationError):
    """A status change the case's workflow does not allow."""


def timeline_add(
    *, case: Case, kind: str, summary: str, actor=None, data: dict | None = None
) -> TimelineEvent:
    """Append an event to a case's timeline; summary and data are redacted first."""
    if kind not in TimelineEvent.Kind.values:
        raise ValidationError(f"Unknown timeline event kind {kind!r}.")
    event = TimelineEvent(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        summary=redact_text(summary)[:300],
        data=redact_data(data or {}),
    )
    event.full_clean()
    event.save()
    return event


def _checklist_templates(templates) -> list[ChecklistTemplate]:
    return list(templates) if templates is not None else []


@transaction.atomic
def case_add_checklists(*, case: Case, templates, by=None) -> list[CaseChecklistItem]:
    """Attach the current version of each template; templates already on the case are skipped."""
    present = set(
        case.checklist_items.values_list("item__version__template_id", flat=True).distinct()
    )
    created = []
    for template in _checklist_templates(templates):
        if template.pk in present:
            continue
        version = template.current_version()
        if version is None:
            continue
        rows = [CaseChecklistItem(case=case, item=item) for item in version.items.all()]
        created += bulk_create_with_history(rows, CaseChecklistItem)
        if by is not None:
            timeline_add(
                case=case,
                kind=TimelineEvent.Kind.UPDATED,
                actor=by,
                summary=f"Checklist added: {template.title} v{version.number}",
                data={"template": template.slug, "version": version.number},
            )
    return created


@transaction.atomic
def case_create(
    *,
    subject: str,
    scenario: Scenario,
    created_by=None,
    assignee=None,
    external_ticket: str = "",
    external_ticket_url: str = "",
    priority: str = Case.Priority.NORMAL,
    key_prefix: str = "",
    portfolio_id=None,
    product_id: str = "",
    environment: str = Case.Environment.PRODUCTION,
    is_practice: bool = False,
    checklists=None,
) -> Case:
    """Open a case with the scenario's recommended checklists (or the ones given)."""
    case = Case(
        subject=subject,
        scenario=scenario,
        created_by=created_by,
        assignee=assignee if assignee is not None else created_by,
        external_ticket=external_ticket,
        external_ticket_url=external_ticket_url,
        priority=priority,
        key_prefix=reduce_key_prefix(key_prefix).prefix,
        portfolio_id=portfolio_id,
        product_id=(product_id or "").strip().upper(),
        environment=environment,
        is_practice=is_practice,
    )
    case.full_clean()
    case.save()
    timeline_add(
        case=case,
        kind=TimelineEvent.Kind.CREATED,
        actor=created_by,
        summary=f"Case opened: {scenario.title}",
        data={"scenario": scenario.slug},
    )
    if checklists is None:
        checklists = scenario.recommended_checklists.all()
    case_add_checklists(case=case, templates=checklists)
    return case


UPDATABLE_FIELDS = (
    "subject", "external_ticket", "external_ticket_url", "tracker_url", "priority", "assignee",
    "key_prefix", "portfolio_id", "product_id", "environment", "resolution",
)


@transaction.atomic
def case_update(*, case: Case, by=None, **changes) -> Case:
    """Change a case's details; the key prefix is always reduced to a non-secret prefix."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not updatable: {', '.join(sorted(unknown))}")
    if "key_prefix" in changes:
        changes["key_prefix"] = reduce_key_prefix(changes["key_prefix"] or "").prefix
    if "product_id" in changes:
        changes["product_id"] = (changes["product_id"] or "").strip().upper()
    changed = [f for f, v in changes.items() if getattr(case, f) != v]
    for field, value in changes.items():
        setattr(case, field, value)
    if not changed:
        return case
    case.full_clean()
    # Only the changed fields: a concurrent status change must not be written back.
    case.save(update_fields=[*changed, "updated_at"])
    kind = TimelineEvent.Kind.ASSIGNED if changed == ["assignee"] else TimelineEvent.Kind.UPDATED
    summary = (
        f"Assigned to {case.assignee or 'nobody'}"
        if kind == TimelineEvent.Kind.ASSIGNED
        else "Updated " + ", ".join(Case._meta.get_field(f).verbose_name for f in changed)
    )
    timeline_add(case=case, kind=kind, actor=by, summary=summary, data={"fields": changed})
    return case


@transaction.atomic
def case_transition(*, case: Case, to: str, by=None, reason: str = "") -> Case:
    """Move a case to another status; the one place the workflow is enforced."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if to not in Case.Status.values:
        raise TransitionError(f"Unknown status {to!r}.")
    if to == locked.status:
        raise TransitionError(f"{locked.reference} is already {locked.get_status_display()}.")
    if to not in locked.allowed_transitions:
        allowed = ", ".join(Case.Status(s).label for s in locked.allowed_transitions) or "none"
        raise TransitionError(
            f"{locked.reference} cannot go from {locked.get_status_display()} to "
            f"{Case.Status(to).label}; allowed: {allowed}."
        )
    previous = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    case.status, case.updated_at = locked.status, locked.updated_at
    summary = f"{Case.Status(previous).label} → {Case.Status(to).label}"
    timeline_add(
        case=case,
        kind=TimelineEvent.Kind.STATUS,
        actor=by,
        summary=f"{summary}: {reason}" if reason else summary,
        data={"from": previous, "to": to, "reason": reason},
    )
    return case


_ITEM_STATE_FIELDS = (
    "state", "note", "set_by_id", "set_by_diagnostic", "set_at", "diagnostic_state",
    "diagnostic_note", "diagnostic_run_id", "diagnostic_at",
)


@transaction.atomic
def checklist_item_set(
    *, case_item: CaseChecklistItem, by, state: str | None = None, note: str | None = None
) -> CaseChecklistItem:
    """An agent sets an item's state and/or note; this overrides any diagnostic proposal."""
    if state is not None and state not in ItemState.values:
        raise ValidationError({"state": f"Unknown state {state!r}."})
    # Compare with the stored row, locked, so a diagnostic's concurrent proposal is kept.
    current = CaseChecklistItem.objects.select_for_update().get(pk=case_item.pk)
    for field in _ITEM_STATE_FIELDS:
        setattr(case_item, field, getattr(current, field))
    events = []
    if state is not None and state != case_item.state:
        case_item.state = state
        case_item.set_by_diagnostic = False
        events.append(
            (TimelineEvent.Kind.ITEM_SET, f"{case_item.item.title}: {ItemState(state).label}")
        )
    if note is not None:
        note = redact_text(note.strip())
        if note != case_item.note:
            case_item.note = note
            events.append((TimelineEvent.Kind.NOTE, f"Note on {case_item.item.title}: {note}"))
    if not events:
        return case_item
    case_item.set_by = by
    case_item.set_at = timezone.now()
    case_item.full_clean()
    case_item.save(update_fields=["state", "note", "set_by", "set_by_diagnostic", "set_at"])
    for kind, summary in events:
        timeline_add(
            case=case_item.case,
            kind=kind,
            actor=by,
            summary=summary,
            data={"item": case_item.item.key, "state": case_item.state},
        )
    return case_item


@transaction.atomic
def checklist_propose(
    *, case: Case, check_id: str, state: str, note: str = "", run_id=None
) -> list[CaseChecklistItem]:
    """Record a diagnostic's verdict on every item of the case linked to ``check_id``.

    The verdict is always kept in the item's ``diagnostic_*`` fields. It becomes the item's
    state only while no agent has decided: the item is pending or was last set by a
    diagnostic. An agent's own state is never overwritten; the proposal shows beside it.
    Within one run, several checks answering the same item combine: fail > pass > n/a.
    A ``pending`` verdict (check skipped or errored) proposes nothing.
    """
    if state not in ItemState.values:
        raise ValidationError(f"Unknown state {state!r}.")
    if state == ItemState.PENDING:
        return []
    rows = [
        row
        for row in case.checklist_items.select_for_update().select_related("item")
        if check_id in (row.item.check_ids or [])
    ]
    now = timezone.now()
    note = redact_text(note)[:500]
    applied = []
    for row in rows:
        same_run = run_id is not None and row.diagnostic_run_id == run_id
        if same_run and _SEVERITY[row.diagnostic_state or "pending"] > _SEVERITY[state]:
            continue
        row.diagnostic_state, row.diagnostic_note = state, note
        row.diagnostic_run_id, row.diagnostic_at = run_id, now
        agent_decided = row.state != ItemState.PENDING and not row.set_by_diagnostic
        if not agent_decided and row.state != state:
            row.state, row.set_by_diagnostic, row.set_by, row.set_at = state, True, None, now
            applied.append(row)
        elif not agent_decided:
            row.set_by_diagnostic = True
        row.save()
    if applied:
        timeline_add(
            case=case,
            kind=TimelineEvent.Kind.DIAGNOSTIC,
            summary=f"Diagnostic {check_id} set "
            + ", ".join(f"{r.item.title}: {ItemState(state).label}" for r in applied),
            data={"check_id": check_id, "state": state, "run_id": run_id,
                  "items": [r.item.key for r in applied]},
        )
    return rows


def evidence_max_bytes() -> int:
    return int(getattr(settings, "TRIAGE_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


@transaction.atomic
def evidence_add(
    *,
    case: Case,
    raw: str,
    kind: str | None = None,
    source: str = Evidence.Source.PASTED,
    by=None,
    title: str = "",
) -> Evidence:
    """Parse, redact and store evidence. Bad or oversized input raises ValidationError."""
    if kind and kind not in Evidence.Kind.values:
        raise ValidationError({"kind": f"Unknown evidence kind {kind!r}."})
    try:
        parsed = parse_evidence(raw, kind=kind or None, max_bytes=evidence_max_bytes())
    except EvidenceError as exc:
        raise ValidationError({"raw": str(exc)}) from None
    evidence = Evidence(
        case=case,
        kind=parsed.kind,
        source=source,
        title=redact_text(title or _evidence_title(parsed))[:200],
        raw=parsed.raw,
        method=parsed.method,
        url=parsed.url,
        status_code=parsed.status_code,
        request_headers=parsed.request_headers,
        response_headers=parsed.response_headers,
        request_body=parsed.request_body,
        response_body=parsed.response_body,
        messages=parsed.messages,
        correlation_ids=parsed.correlation_ids,
        redactions=parsed.redactions,
        captured_at=parsed.captured_at,
        added_by=by if getattr(by, "is_authenticated", False) else None,
    )
    evidence.full_clean()
    evidence.save()
    ids = ", ".join(c["value"] for c in parsed.correlation_ids[:3])
    timeline_add(
        case=case,
        kind=TimelineEvent.Kind.EVIDENCE,
        actor=by,
        summary=f"Evidence added: {evidence.title}" + (f" ({ids})" if ids else ""),
        data={"evidence_id": evidence.pk, "redactions": parsed.redactions},
    )
    return evidence


def _evidence_title(parsed) -> str:
    if parsed.kind in ("rest", "har"):
        status = f" → {parsed.status_code}" if parsed.status_code else ""
        return f"{parsed.method} {parsed.url}{status}".strip() or "HTTP exchange"
    if parsed.kind == "ws":
        return f"{len(parsed.messages)} WebSocket message(s)"
    return "JSON body" if parsed.kind == "json" else "Pasted text"


@transaction.atomic
def case_note_add(*, case: Case, by, text: str) -> TimelineEvent:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write a note first."})
    return timeline_add(case=case, kind=TimelineEvent.Kind.NOTE, actor=by, summary=text)


__all__ = [
    "TransitionError",
    "case_add_checklists",
    "case_create",
    "case_note_add",
    "case_transition",
    "case_update",
    "checklist_item_set",
    "checklist_propose",
    "evidence_add",
    "timeline_add",
]
