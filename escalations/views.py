"""Escalation pages: packet builder, escalation and packet pages, exports, notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from escalations import selectors, services
from escalations.completeness import completeness_gaps_need_reason
from escalations.exports import FORMATS
from escalations.forms import PacketForm, ReviewForm
from escalations.packet import PacketRefused, redaction_gate
from escalations.workflow import WorkflowError, allowed_actions
from triage.redaction import redact_text
from triage.views.common import HtmxHttpRequest, form_add_errors, get_case

BUILDER = "escalations/packet_builder.html"
DETAIL = "escalations/escalation_detail.html"


TEXT_FIELDS = ("summary", "steps_tried", "gap_reason")


def _preview(case, user, form) -> tuple[dict, str]:
    """The draft for the preview, built from text with secrets redacted, and any refusal."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else form.initial
    refusal = ""
    try:
        redaction_gate({name: data.get(name) or "" for name in TEXT_FIELDS})
    except PacketRefused as exc:
        refusal = str(exc)
    document = services.packet_draft(
        case=case,
        by=user,
        refs=data.get("refs") or [],
        **{name: redact_text(data.get(name) or "") for name in TEXT_FIELDS},
    )
    return document, refusal


def _scrub(form) -> None:
    """Never echo a secret back into a re-rendered form."""
    if form.is_bound:
        data = form.data.copy()
        for name in TEXT_FIELDS:
            if name in data:
                data[name] = redact_text(data[name])
        form.data = data


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def packet_builder(request: HtmxHttpRequest, case_pk: int) -> HttpResponse:
    """Build a packet from the case; POST with `preview` only re-renders the preview."""
    case = get_case(case_pk)
    sources = selectors.case_sources(case=case)
    candidates = sources.exchanges + sources.ws_messages
    escalation = selectors.case_active_escalation(case=case)
    if escalation and not escalation.is_open:
        escalation = None
    previous = escalation.packets.order_by("-version").first() if escalation else None
    initial = {"refs": [c.ref for c in candidates]}
    if previous:
        doc = previous.document
        initial = {
            "refs": [r for r in initial["refs"] if r in _doc_refs(doc)] or initial["refs"],
            "summary": doc["summary"],
            "steps_tried": doc["steps_tried"],
            "gap_reason": doc["completeness"]["gap_reason"],
        }
    if request.method == "POST":
        form = PacketForm(request.POST, candidates=candidates)
        if form.is_valid() and "preview" not in request.POST:
            try:
                packet = services.escalation_submit(case=case, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, f"Packet v{packet.version} submitted.")
                url = packet.escalation.get_absolute_url()
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        form = PacketForm(initial=initial, candidates=candidates)
    document, refused = _preview(case, request.user, form)
    _scrub(form)
    context = {
        "case": case,
        "form": form,
        "doc": document,
        "refused": refused,
        "needs_reason": completeness_gaps_need_reason(document["completeness"]),
        "escalation": escalation,
        "previous": previous,
        "sources": sources,
    }
    template = (
        BUILDER + "#packet-preview" if request.htmx and "preview" in request.POST else BUILDER
    )
    return render(request, template, context)


def _doc_refs(document: dict) -> set[str]:
    refs = {e["source"] for e in document.get("rest_exchanges", [])}
    refs |= {m["source"] for m in (document.get("websocket") or {}).get("messages", [])}
    return refs


def _detail_context(request, escalation, **extra) -> dict:
    packets = selectors.escalation_packets(escalation=escalation)
    return {
        "escalation": escalation,
        "packet": packets[0] if packets else None,
        "packets": packets,
        "events": selectors.escalation_events(escalation=escalation),
        "actions": allowed_actions(escalation.status),
        "can_review": selectors.is_lead(request.user),
        "review_form": extra.pop("review_form", None) or ReviewForm(),
        "timers": selectors.case_sla(
            case=escalation.case, escalation=escalation, now=timezone.now()
        ),
        "formats": FORMATS,
        **extra,
    }


@never_cache
@require_GET
@login_required
def escalation_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get(pk=pk, user=request.user)
    services.notifications_mark_read(user=request.user, escalation=escalation)
    return render(request, DETAIL, _detail_context(request, escalation))


@require_POST
@login_required
def escalation_review(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if not selectors.is_lead(request.user):
        return HttpResponse("Only team leads review escalations.", status=403)
    escalation = selectors.escalation_get(pk=pk, user=request.user)
    form = ReviewForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            escalation = services.escalation_review(
                escalation=escalation, by=request.user, **form.cleaned_data
            )
        except WorkflowError as exc:
            form_add_errors(form, exc)
            status = 422
        else:
            messages.success(
                request, f"{escalation.case_reference}: {escalation.get_status_display()}."
            )
            if not request.htmx:
                return redirect(escalation.get_absolute_url())
            form = ReviewForm()
    else:
        status = 422
    if not request.htmx and status != 200:
        return render(
            request, DETAIL, _detail_context(request, escalation, review_form=form), status=status
        )
    context = _detail_context(request, escalation, review_form=form)
    return render(request, DETAIL + "#review-panel", context, status=status)


@never_cache
@require_GET
@login_required
def packet_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    packet = selectors.packet_get(pk=pk, user=request.user)
    context = _detail_context(request, packet.escalation, packet=packet)
    return render(request, DETAIL, context)


@never_cache
@require_GET
@login_required
def packet_export(request: HtmxHttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    packet = selectors.packet_get(pk=pk, user=request.user)
    try:
        text = services.packet_export(packet=packet, by=request.user, fmt=fmt)
    except ValidationError as exc:
        return HttpResponse(exc.messages[0], status=409, content_type="text/plain")
    content_type, extension = FORMATS[fmt]
    response = HttpResponse(text, content_type=content_type)
    name = f"{packet.escalation.case_reference}-v{packet.version}.{extension}"
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("escalations:notification_list")
    context = {"notifications": selectors.notifications_for(user=request.user)}
    return render(request, "escalations/notification_list.html", context)
