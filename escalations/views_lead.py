"""Team-lead pages: the escalation queue, the incident radar and the dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from escalations import selectors
from escalations.dashboard import dashboard_metrics
from escalations.forms import QueueFilterForm
from triage.views.common import HtmxHttpRequest

QUEUE = "escalations/escalation_queue.html"
PAGE_SIZE = 25


@require_GET
@login_required
@permission_required("triage.review_escalation", raise_exception=True)
def escalation_queue(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    form = QueueFilterForm(request.GET or None)
    rows = selectors.escalation_queue(
        filters=form.filters() if form.is_bound else selectors.QueueFilters(), now=now
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "now": now}
    template = (
        QUEUE + "#queue-table" if request.htmx and request.htmx.target == "queue-table" else QUEUE
    )
    if template == QUEUE:
        context["incidents"] = selectors.radar_now(now=now)
    return render(request, template, context)


@require_GET
@login_required
@permission_required("triage.review_escalation", raise_exception=True)
def radar_banner(request: HtmxHttpRequest) -> HttpResponse:
    """The incident radar alone, polled by the banner on lead pages."""
    context = {"incidents": selectors.radar_now(now=timezone.now())}
    return render(request, "escalations/_radar.html", context)


@require_GET
@login_required
@permission_required("triage.view_dashboard", raise_exception=True)
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {"m": dashboard_metrics(now=now), "incidents": selectors.radar_now(now=now)}
    return render(request, "escalations/dashboard.html", context)
