from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.health import health_report


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON state of database, broker and workers; 200 only when all are up."""
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("triage:case_list")
