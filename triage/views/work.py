"""Working a case: checklist items, adding checklists, pasting evidence."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from triage import selectors, services
from triage.forms import AddChecklistForm, ChecklistItemForm, EvidenceForm, NoteForm
from triage.models import CaseChecklistItem
from triage.views.common import (
    CASE_PAGE,
    HtmxHttpRequest,
    case_context,
    form_add_errors,
    get_case,
    render_partials,
)


@require_POST
@login_required
@permission_required("triage.change_casechecklistitem", raise_exception=True)
def checklist_item_update(request: HtmxHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    case = get_case(pk)
    try:
        row = selectors.case_item_get(case=case, pk=item_pk)
    except CaseChecklistItem.DoesNotExist:
        raise Http404("No such checklist item on this case.") from None
    form = ChecklistItemForm(request.POST)
    status = 200
    if form.is_valid():
        services.checklist_item_set(
            case_item=row,
            by=request.user,
            state=form.cleaned_data["state"] or None,
            note=form.cleaned_data["note"] if "note" in request.POST else None,
        )
    else:
        status = 422
    if not request.htmx:
        if status != 200:
            messages.error(request, "That item could not be saved: " + form.errors.as_text())
        return redirect(reverse("triage:case_detail", args=[case.pk]) + f"#item-{row.pk}")
    checklist = selectors.case_checklists(case=case, template_id=row.item.version.template_id)[0]
    context = {
        "case": case,
        "row": next(r for r in checklist.items if r.pk == row.pk),
        "item_form_errors": form.errors,
        "checklist": checklist,
        "timeline": selectors.case_timeline(case=case),
        "note_form": NoteForm(),
    }
    names = ["checklist-item", "checklist-progress", "timeline"]
    return render_partials(request, names, context, status)


@require_POST
@login_required
@permission_required("triage.change_case", raise_exception=True)
def checklist_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = get_case(pk)
    form = AddChecklistForm(request.POST)
    form.fields["template"].queryset = selectors.case_missing_checklists(case=case)
    if form.is_valid():
        services.case_add_checklists(
            case=case, templates=[form.cleaned_data["template"]], by=request.user
        )
    if not request.htmx:
        if form.errors:
            messages.error(request, "Choose a checklist that is not on the case yet.")
        return redirect(case)
    status = 422 if form.errors else 200
    error = "Choose a checklist that is not on the case yet." if form.errors else ""
    context = case_context(request, case, checklist_error=error)
    return render_partials(request, ["checklists", "timeline"], context, status)


def _too_big(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@require_POST
@login_required
@permission_required("triage.add_evidence", raise_exception=True)
def evidence_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = get_case(pk)
    if _too_big(request):
        # The body is never read, so the form stays unbound and only carries the error.
        form = EvidenceForm()
        form.full_clean()
        form.cleaned_data = {}
        form.add_error(None, "That paste is far too large; paste only the failing exchange.")
        return _evidence_response(request, case, form, status=422)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            evidence = services.evidence_add(
                case=case,
                raw=form.cleaned_data["raw"],
                kind=form.cleaned_data["kind"] or None,
                title=form.cleaned_data["title"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, f"Evidence added: {evidence.title}")
                return redirect(reverse("triage:case_detail", args=[case.pk]) + "#evidence-panel")
            return _evidence_response(request, case, EvidenceForm(), status=200, added=evidence)
    return _evidence_response(request, case, form, status=422)


def _evidence_response(request, case, form, status: int, added=None) -> HttpResponse:
    context = case_context(request, case, evidence_form=form, added_evidence=added)
    if not request.htmx:
        return render(request, CASE_PAGE, context, status=status)
    names = ["evidence-panel", "timeline"] if added else ["evidence-panel"]
    return render_partials(request, names, context, status)
