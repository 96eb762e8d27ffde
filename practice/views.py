"""Practice mode pages: the library, an attempt, its submission and scorecard, the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from practice import selectors, services
from practice.customer import displayable
from practice.forms import AssignForm, DiagnoseForm, SubmitForm
from practice.models import AttemptStatus, PracticeAttempt, PracticeScenario
from practice.provision import ProvisionError
from triage.roles import is_lead
from triage.views.common import HtmxHttpRequest


def _attempt(request: HttpRequest, pk: int) -> PracticeAttempt:
    """The attempt, visible to its trainee and to leads only."""
    try:
        attempt = selectors.attempt_get(pk=pk)
    except PracticeAttempt.DoesNotExist:
        raise Http404("No such practice attempt.") from None
    if attempt.trainee_id != request.user.pk and not is_lead(request.user):
        raise Http404("No such practice attempt.")
    return attempt


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_GET
@login_required
def practice_home(request: HtmxHttpRequest) -> HttpResponse:
    lead = is_lead(request.user)
    attempts = selectors.attempts_for_trainee(trainee=request.user)
    context = {
        "scenarios": selectors.scenario_library(),
        "attempts": attempts,
        "is_lead": lead,
        "assign_form": AssignForm() if lead else None,
    }
    template = "practice/practice_home.html"
    if request.htmx:
        template += "#my-attempts"
    return render(request, template, context)


@require_POST
@login_required
def scenario_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        scenario = selectors.scenario_library().get(pk=pk)
    except PracticeScenario.DoesNotExist:
        raise Http404("No such scenario.") from None
    try:
        attempt = services.attempt_begin(scenario=scenario, trainee=request.user)
    except (ProvisionError, ValidationError) as exc:
        messages.error(request, str(exc) if isinstance(exc, ProvisionError) else _errors(exc))
        return redirect("practice:practice_home")
    messages.success(request, f"Practice case {attempt.case.reference} is ready. Good luck.")
    return redirect(attempt.case.get_absolute_url())


@require_POST
@login_required
def attempt_assign(request: HtmxHttpRequest) -> HttpResponse:
    if not is_lead(request.user):
        raise PermissionDenied("Only team leads assign practice.")
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            attempt = services.attempt_assign(
                scenario=form.cleaned_data["scenario"], trainee=form.cleaned_data["trainee"],
                assigned_by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(
                request, f"Assigned “{attempt.scenario.title}” to {attempt.trainee}."
            )
            return redirect("practice:practice_dashboard")
    context = {
        "scenarios": selectors.scenario_library(),
        "attempts": selectors.attempts_for_trainee(trainee=request.user),
        "is_lead": True,
        "assign_form": form,
    }
    return render(request, "practice/practice_home.html", context, status=422)


@require_POST
@login_required
def attempt_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt(request, pk)
    try:
        attempt = services.attempt_start(attempt=attempt, by=request.user)
    except (ProvisionError, ValidationError) as exc:
        messages.error(request, str(exc) if isinstance(exc, ProvisionError) else _errors(exc))
        return redirect("practice:practice_home")
    return redirect(attempt.case.get_absolute_url())


@require_POST
@login_required
def attempt_diagnose(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Run diagnostics on the practice case with the customer's key and token."""
    from diagnostics.services import QueueUnavailable

    attempt = _attempt(request, pk)
    form = DiagnoseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(attempt.case.get_absolute_url() if attempt.case else "/")
    try:
        run = services.attempt_run_diagnostics(
            attempt=attempt, by=request.user, checks=form.cleaned_data["checks"]
        )
    except (ValidationError, QueueUnavailable) as exc:
        text = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return redirect(attempt.case.get_absolute_url() if attempt.case else "/")
    return redirect(run.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
def attempt_submit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt(request, pk)
    if attempt.status == AttemptStatus.SUBMITTED:
        return redirect("practice:attempt_scorecard", pk=attempt.pk)
    if attempt.status != AttemptStatus.ACTIVE or attempt.trainee_id != request.user.pk:
        messages.error(request, "Only the trainee submits an exercise that is in progress.")
        return redirect("practice:practice_home")
    observed = selectors.attempt_observed_codes(attempt=attempt)
    form = SubmitForm(request.POST or None, observed_codes=observed)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.attempt_submit(
                    attempt=attempt, by=request.user, decision=data["decision"],
                    criterion=data["criterion"], identified_codes=data["identified_codes"],
                    note=data["note"], steps_tried=data["steps_tried"],
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                url = reverse("practice:attempt_scorecard", args=[attempt.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        status = 422
    template = "practice/attempt_submit.html"
    if request.htmx:
        template += "#submit-form"
    context = {"attempt": attempt, "form": form, "observed_codes": observed}
    return render(request, template, context, status=status)


@require_GET
@login_required
def attempt_scorecard(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt(request, pk)
    if attempt.status != AttemptStatus.SUBMITTED:
        return redirect(
            attempt.case.get_absolute_url() if attempt.case else "practice:practice_home"
        )
    context = {"attempt": attempt, "card": attempt.score_breakdown}
    return render(request, "practice/attempt_scorecard.html", context)


@require_GET
@login_required
def practice_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    if not is_lead(request.user):
        raise PermissionDenied("The practice dashboard is for team leads.")
    context = {
        "agents": selectors.dashboard_agents(),
        "scenario_rows": selectors.dashboard_scenarios(),
        "missed": selectors.dashboard_missed_findings(),
        "recent": selectors.attempt_queryset().order_by("-assigned_at")[:25],
        "assign_form": AssignForm(),
    }
    return render(request, "practice/practice_dashboard.html", context)


def case_panel_context(*, request, case) -> dict:
    """Context of the practice panel on a case page (empty for real cases)."""
    if not case.is_practice:
        return {}
    attempt = selectors.attempt_for_case(case=case)
    if attempt is None:
        return {}
    token = ""
    if attempt.status == AttemptStatus.ACTIVE:
        token = displayable(services.attempt_customer_token(attempt=attempt))
    setup = attempt.scenario.parsed_setup
    return {
        "attempt": attempt,
        "setup": setup,
        "customer_token": token,
        "diagnose_form": DiagnoseForm(initial={"checks": _suggested_checks(case)}),
        "is_trainee": attempt.trainee_id == request.user.pk,
    }


def _suggested_checks(case) -> list[str]:
    """Checks named by the case's checklist items, as the real run form preselects them."""
    from triage.models import CaseChecklistItem

    ids: dict[str, None] = {}
    for check_ids in CaseChecklistItem.objects.filter(case=case).values_list(
        "item__check_ids", flat=True
    ):
        ids.update(dict.fromkeys(check_ids or []))
    return list(ids)
