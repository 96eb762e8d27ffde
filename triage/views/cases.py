"""Case list, new case, case page, and the case-level actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from triage import selectors, services
from triage.filters import CaseFilter
from triage.forms import CaseCreateForm, CaseDetailsForm, NoteForm, TransitionForm
from triage.models import Scenario
from triage.redaction import key_prefix
from triage.views.common import (
    CASE_PAGE,
    CASE_PARTIALS,
    HtmxHttpRequest,
    case_context,
    get_case,
    render_partials,
)

PAGE_SIZE = 25
TARGETABLE = {"case-header", "case-details", "checklists", "evidence-panel", "timeline"}


@require_GET
@vary_on_headers("HX-Request")
@login_required
def case_list(request: HtmxHttpRequest) -> HttpResponse:
    scope = "team" if request.GET.get("scope") == "team" else "mine"
    cases = selectors.case_list()
    if scope == "mine":
        cases = cases.filter(assignee=request.user)
    case_filter = CaseFilter(request.GET or None, queryset=cases, request=request)
    page = Paginator(case_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "triage/case_list.html"
    if request.htmx:
        template += "#case-table"
    context = {"filter": case_filter, "page": page, "scope": scope, "query": query.urlencode()}
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@login_required
@permission_required("triage.add_case", raise_exception=True)
def case_create(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("preview"):
        form = CaseCreateForm(initial=_initial_from(request.POST))
        status = 200
    elif request.method == "POST":
        form = CaseCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            case = services.case_create(
                created_by=request.user,
                checklists=data.pop("checklists") or None,
                **{k: v for k, v in data.items() if k != "assignee"},
                assignee=data["assignee"] or request.user,
            )
            if form.key_prefix_note:
                messages.warning(request, f"Key prefix: {form.key_prefix_note}")
            messages.success(request, f"{case.reference} opened.")
            if request.htmx:
                return HttpResponseClientRedirect(case.get_absolute_url())
            return redirect(case)
        status = 422
    else:
        form = CaseCreateForm(initial=_initial_from(request.GET))
        status = 200
    scenario = _selected_scenario(form, request)
    template = "triage/case_form.html"
    if request.htmx:
        template += "#scenario-preview" if request.method == "GET" else "#case-form"
    context = {"form": form, "scenario": scenario}
    return render(request, template, context, status=status)


def _initial_from(data) -> dict:
    """Keep what was typed when only the scenario preview was asked for (the no-JS path)."""
    initial = {name: data[name] for name in CaseCreateForm._meta.fields if data.get(name)}
    if "key_prefix" in initial:
        initial["key_prefix"] = key_prefix(initial["key_prefix"]).prefix
    if data.getlist("checklists"):
        initial["checklists"] = data.getlist("checklists")
    return initial


def _selected_scenario(form, request) -> Scenario | None:
    value = form.data.get("scenario") if form.is_bound else form.initial.get("scenario")
    scenarios = selectors.scenario_list()
    if value and str(value).isdigit():
        found = scenarios.filter(pk=int(value)).first()
        if found:
            return found
    return scenarios.first()


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@login_required
def case_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = get_case(pk)
    template = CASE_PAGE
    if request.htmx:
        name = request.htmx.target if request.htmx.target in TARGETABLE else "case-workspace"
        template = f"{CASE_PARTIALS[name]}#{name}"
    return render(request, template, case_context(request, case))


@require_POST
@login_required
@permission_required("triage.change_case", raise_exception=True)
def case_update(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = get_case(pk)
    form = CaseDetailsForm(request.POST, instance=case)
    status = 200
    if form.is_valid():
        services.case_update(case=case, by=request.user, **form.cleaned_data)
        if form.key_prefix_note:
            messages.warning(request, f"Key prefix: {form.key_prefix_note}")
        if not request.htmx:
            messages.success(request, "Case details saved.")
            return redirect(case)
        form = CaseDetailsForm(instance=case)
        form.saved = True
    else:
        status = 422
    context = case_context(request, case, details_form=form)
    if not request.htmx:
        return render(request, CASE_PAGE, context, status=status)
    return render_partials(request, ["case-details", "case-header", "timeline"], context, status)


@require_POST
@login_required
@permission_required("triage.change_case", raise_exception=True)
def case_transition(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = get_case(pk)
    form = TransitionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.case_transition(
                case=case, to=form.cleaned_data["to"], by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.TransitionError as exc:
            error = " ".join(exc.messages)
    else:
        error = "Choose a status to move the case to."
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"{case.reference} is now {case.get_status_display()}.")
        return redirect(case)
    context = case_context(request, case, transition_error=error)
    return render_partials(request, ["case-header", "timeline"], context, 422 if error else 200)


@require_POST
@login_required
@permission_required("triage.add_timelineevent", raise_exception=True)
def case_note_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = get_case(pk)
    form = NoteForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.case_note_add(case=case, by=request.user, text=form.cleaned_data["text"])
            form = NoteForm()
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 422
    else:
        status = 422
    if not request.htmx:
        if status == 200:
            return redirect(case)
        return render(request, CASE_PAGE, case_context(request, case, note_form=form), status=422)
    context = case_context(request, case, note_form=form)
    return render(request, f"{CASE_PAGE}#timeline", context, status=status)
