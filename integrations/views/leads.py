"""Team-lead pages: the error-signature library, API tokens, webhooks and their deliveries."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations import selectors, services
from integrations.forms import TokenForm, WebhookEndpointForm
from integrations.models import IntegrationToken, WebhookDelivery, WebhookEndpoint
from integrations.views.cases import HtmxHttpRequest
from integrations.webhooks import webhook_delivery_replay, webhook_endpoint_create
from triage.roles import is_lead
from triage.views.common import form_add_errors


def lead_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (is_lead(request.user) or request.user.is_superuser):
            raise PermissionDenied("Team leads only.")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@require_GET
@lead_required
def signature_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "integrations/signature_list.html",
                  {"signatures": selectors.signature_library()})


def _tokens_page(request, form=None, created=None, status=200) -> HttpResponse:
    return render(request, "integrations/token_list.html", {
        "tokens": IntegrationToken.objects.select_related("created_by"),
        "form": form or TokenForm(), "created": created,
    }, status=status)


@require_http_methods(["GET", "POST"])
@lead_required
def token_list(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _tokens_page(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form=form, status=422)
    try:
        token, plain = services.integration_token_create(
            name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], by=request.user
        )
    except ValidationError as exc:
        form_add_errors(form, exc)
        return _tokens_page(request, form=form, status=422)
    response = _tokens_page(request, created={"token": token, "plain": plain})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@lead_required
def token_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(IntegrationToken, pk=pk)
    services.integration_token_revoke(token=token, by=request.user)
    return redirect("integrations:token_list")


def _webhooks_page(request, form=None, created=None, status=200) -> HttpResponse:
    return render(request, "integrations/webhook_list.html", {
        "endpoints": selectors.endpoint_list(), "form": form or WebhookEndpointForm(),
        "created": created,
    }, status=status)


@require_http_methods(["GET", "POST"])
@lead_required
def webhook_list(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _webhooks_page(request)
    form = WebhookEndpointForm(request.POST)
    if not form.is_valid():
        return _webhooks_page(request, form=form, status=422)
    try:
        endpoint, secret = webhook_endpoint_create(by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form_add_errors(form, exc)
        return _webhooks_page(request, form=form, status=422)
    response = _webhooks_page(request, created={"endpoint": endpoint, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@lead_required
def webhook_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    template = "integrations/webhook_detail.html" + ("#deliveries" if request.htmx else "")
    return render(request, template, {"endpoint": endpoint,
                                      "deliveries": selectors.delivery_list(endpoint=endpoint)})


@require_POST
@lead_required
def delivery_replay(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
    webhook_delivery_replay(delivery=delivery, by=request.user)
    if request.htmx:
        endpoint = delivery.endpoint
        return render(request, "integrations/webhook_detail.html#deliveries", {
            "endpoint": endpoint, "deliveries": selectors.delivery_list(endpoint=endpoint)})
    return redirect("integrations:webhook_detail", delivery.endpoint_id)
