"""Shared helpers of the triage views: typed request, case lookup, page context."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django_htmx.middleware import HtmxDetails

from triage import selectors
from triage.forms import CaseDetailsForm, EvidenceForm, NoteForm
from triage.models import Case
from triage.panels import case_panels

CASE_PAGE = "triage/case_detail.html"
# Every partial of the case page and the template that defines it.
CASE_PARTIALS = {
    "case-workspace": CASE_PAGE,
    "case-header": CASE_PAGE,
    "case-details": CASE_PAGE,
    "checklists": CASE_PAGE,
    "checklist-item": CASE_PAGE,
    "checklist-progress": CASE_PAGE,
    "timeline": CASE_PAGE,
    "evidence-panel": "triage/case_evidence.html",
}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def form_add_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (else on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def get_case(pk: int) -> Case:
    try:
        return selectors.case_get(pk=pk)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


def case_context(request: HttpRequest, case: Case, **overrides) -> dict:
    """Everything the case page and its partials read."""
    context = {
        "case": case,
        "checklists": selectors.case_checklists(case=case),
        "evidence_list": selectors.case_evidence(case=case),
        "timeline": selectors.case_timeline(case=case),
        "details_form": CaseDetailsForm(instance=case),
        "evidence_form": EvidenceForm(),
        "note_form": NoteForm(),
        "missing_checklists": list(selectors.case_missing_checklists(case=case)),
        "transitions": [Case.Status(s) for s in case.allowed_transitions],
        "panels": case_panels(request=request, case=case),
    }
    context.update(overrides)
    return context


def render_partials(
    request: HttpRequest, names: list[str], context: dict, status: int = 200
) -> HttpResponse:
    """Render the first partial as the swap target and the rest out of band."""
    html = []
    for index, name in enumerate(names):
        part_context = {**context, "oob": index > 0}
        template = f"{CASE_PARTIALS[name]}#{name}"
        html.append(render_to_string(template, part_context, request=request))
    return HttpResponse("".join(html), status=status)
