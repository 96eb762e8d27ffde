"""Run pages: the run form on a case, and a run's live progress and results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from diagnostics import selectors, services
from diagnostics.forms import RunForm
from diagnostics.models import DiagnosticRun
from triage.models import Case
from triage.selectors import case_get

SECRET_FIELDS = ("key_name", "key_secret", "customer_jwt")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _case_or_404(pk: int) -> Case:
    try:
        return case_get(pk=pk)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


@sensitive_variables("form")
@sensitive_post_parameters(*SECRET_FIELDS)
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def run_create(request: HtmxHttpRequest, case_pk: int) -> HttpResponse:
    case = _case_or_404(case_pk)
    if any(name in request.GET for name in SECRET_FIELDS):
        return HttpResponse("Secrets are never accepted in a URL.", status=400)
    defaults = selectors.case_default_checks(case=case)
    status = 200
    if request.method == "POST":
        form = RunForm(request.POST, case=case, default_checks=defaults)
        if form.is_valid():
            try:
                run = services.run_start(case=case, by=request.user, **form.service_kwargs())
            except services.QueueUnavailable as exc:
                form.add_error(None, str(exc))
                status = 503
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 422
            else:
                return redirect(run)
        else:
            status = 422
    else:
        form = RunForm(case=case, default_checks=defaults)
    template = "diagnostics/run_create.html"
    if request.htmx:
        template += "#run-form"
    context = {"case": case, "form": form, "default_checks": defaults}
    return render(request, template, context, status=status)


@never_cache
@login_required
@require_GET
def run_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        progress = selectors.run_get(pk=pk)
    except DiagnosticRun.DoesNotExist:
        raise Http404("No such run.") from None
    if progress.run.is_overdue and services.run_expire_if_overdue(run_id=pk):
        progress = selectors.run_get(pk=pk)
    template = "diagnostics/run_detail.html"
    if request.htmx:
        template += "#run-progress"
    return render(request, template, {"progress": progress, "run": progress.run,
                                      "case": progress.run.case})
