"""Case-level integration views: evidence imports, replays, reply drafts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from integrations import selectors, services
from integrations.evidence.entries import HttpEntry
from integrations.forms import ImportForm, ReplyAppendForm, ReplyDraftForm
from integrations.models import ErrorSignature, EvidenceImport, ReplyTemplate
from integrations.reproduce import as_curl, as_python
from triage.models import Case, Evidence
from triage.views.common import form_add_errors

PANEL = "integrations/_case_panel.html"
IMPORT_PAGE = "integrations/import_detail.html"
REPRODUCE_LIMIT = 5


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _case(pk: int) -> Case:
    return get_object_or_404(Case.objects.select_related("scenario"), pk=pk)


def _headers(value) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {str(pair[0]): str(pair[1]) for pair in value or [] if len(pair) == 2}


def replay_lines(*, method: str, url: str, headers, body: str) -> dict[str, str]:
    return {"curl": as_curl(method=method, url=url, headers=_headers(headers), body=body),
            "python": as_python(method=method, url=url, body=body)}


def case_panel_context(*, request, case: Case, **overrides) -> dict:
    """What the integrations panel on the case page shows; a constant number of queries."""
    findings = selectors.case_findings(case=case)
    codes = {code for f in findings for code in f.codes}
    by_code, by_item = selectors.reply_options(case=case, codes=codes)
    matches = selectors.case_signature_matches(case=case)
    signatures = list({m.signature_id: m.signature for m in matches}.values())
    replayable = [
        {"evidence": e, **replay_lines(method=e.method, url=e.url, headers=e.request_headers,
                                       body=e.request_body)}
        for e in Evidence.objects.filter(case=case).exclude(url="").exclude(method="")
        .order_by("-created_at")[:REPRODUCE_LIMIT]
    ]
    draft = selectors.reply_draft_get(case=case)
    context = {
        "case": case,
        "imports": selectors.case_imports(case=case),
        "signatures": signatures,
        "matches": matches,
        "reply_by_code": by_code,
        "reply_by_item": by_item,
        "draft_form": ReplyDraftForm(initial={"text": draft.text if draft else ""}),
        "import_form": ImportForm(),
        "replayable": replayable,
    }
    context.update(overrides)
    return context


def _panel(request: HtmxHttpRequest, case: Case, part: str, status: int = 200,
           **overrides) -> HttpResponse:
    if request.htmx:
        return render(request, f"{PANEL}#{part}",
                      case_panel_context(request=request, case=case, **overrides), status=status)
    return redirect(case.get_absolute_url() + f"#{part}")


@require_POST
@login_required
@permission_required("triage.add_evidence", raise_exception=True)
def import_create(request: HtmxHttpRequest, case_pk: int) -> HttpResponse:
    case = _case(case_pk)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            evidence_import = services.evidence_import_create(
                case=case, text=form.cleaned_data["content"],
                filename=form.cleaned_data["filename"], by=request.user,
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            if request.htmx:
                context = case_panel_context(request=request, case=case, oob=True,
                                             created=evidence_import)
                return render(request, "integrations/_import_created.html", context)
            return redirect("integrations:import_detail", case.pk, evidence_import.pk)
    if request.htmx:
        return _panel(request, case, "import-form", status=422, import_form=form)
    context = {"case": case, "import_form": form}
    return render(request, "integrations/import_form.html", context, status=422)


@require_GET
@login_required
@permission_required("triage.view_case", raise_exception=True)
def import_detail(request: HtmxHttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = _case(case_pk)
    try:
        evidence_import = selectors.import_get(case=case, pk=pk)
    except EvidenceImport.DoesNotExist:
        raise Http404("No such import.") from None
    entries = [HttpEntry.from_dict(d) for d in evidence_import.entries[:200]]
    template = IMPORT_PAGE + ("#import-results" if request.htmx else "")
    return render(request, template, {"case": case, "evidence_import": evidence_import,
                                      "entries": entries})


@require_GET
@login_required
@permission_required("triage.view_case", raise_exception=True)
def entry_reproduce(request: HtmxHttpRequest, case_pk: int, pk: int, index: int) -> HttpResponse:
    case = _case(case_pk)
    evidence_import = get_object_or_404(EvidenceImport, case=case, pk=pk)
    data = next((d for d in evidence_import.entries if d.get("index") == index), None)
    if data is None:
        raise Http404("No such request in this import.")
    entry = HttpEntry.from_dict(data)
    lines = replay_lines(method=entry.method, url=entry.url, headers=entry.request_headers,
                         body=entry.request_body)
    template = "integrations/reproduce.html" + ("#replay" if request.htmx else "")
    return render(request, template, {"case": case, "entry": entry, **lines,
                                      "evidence_import": evidence_import})


@require_POST
@login_required
@permission_required("triage.change_case", raise_exception=True)
def reply_append(request: HtmxHttpRequest, case_pk: int) -> HttpResponse:
    case = _case(case_pk)
    form = ReplyAppendForm(request.POST)
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
        if not request.htmx:
            messages.error(request, error)
        return _panel(request, case, "reply-draft", status=422, reply_error=error)
    template = signature = None
    if form.cleaned_data.get("template"):
        template = get_object_or_404(ReplyTemplate, pk=form.cleaned_data["template"],
                                     enabled=True)
    else:
        signature = get_object_or_404(ErrorSignature, pk=form.cleaned_data["signature"])
    try:
        draft = services.reply_draft_append(case=case, by=request.user, template=template,
                                            signature=signature)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if not request.htmx:
            messages.error(request, error)
        return _panel(request, case, "reply-draft", status=422, reply_error=error)
    return _panel(request, case, "reply-draft",
                  draft_form=ReplyDraftForm(initial={"text": draft.text}))


@require_POST
@login_required
@permission_required("triage.change_case", raise_exception=True)
def reply_save(request: HtmxHttpRequest, case_pk: int) -> HttpResponse:
    case = _case(case_pk)
    form = ReplyDraftForm(request.POST)
    if not form.is_valid():
        return _panel(request, case, "reply-draft", status=422, draft_form=form)
    draft = services.reply_draft_save(case=case, by=request.user, text=form.cleaned_data["text"])
    return _panel(request, case, "reply-draft",
                  draft_form=ReplyDraftForm(initial={"text": draft.text}), saved=True)
