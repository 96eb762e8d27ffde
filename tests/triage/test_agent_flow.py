"""An agent's first case, end to end through the pages, as a new user would work it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures.users import make_user
from tests.triage.secrets import jwt_parts, signed_jwt
from triage.models import Case, Evidence, Scenario
from triage.roles import AGENTS

pytestmark = pytest.mark.django_db


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_agent_opens_works_and_documents_an_api_keys_case():
    make_user("newagent", AGENTS)
    browser = Client(enforce_csrf_checks=True)

    login_page = browser.get(reverse("login")).content.decode()
    response = browser.post(
        reverse("login"),
        {"username": "newagent", "password": "pw-newagent-123!",
         "csrfmiddlewaretoken": _csrf(login_page)},
        follow=True,
    )
    assert response.resolver_match.url_name == "case_list"
    assert "No cases match" in response.content.decode()

    new_page = browser.get(reverse("triage:case_create")).content.decode()
    scenario = Scenario.objects.get(title="API keys are not working")
    preview = browser.get(
        reverse("triage:case_create"), {"scenario": scenario.pk},
        headers={"HX-Request": "true", "HX-Target": "scenario-preview"},
    ).content.decode()
    assert "Check IP allowlisting" in preview and "Authentication" in preview
    response = browser.post(
        reverse("triage:case_create"),
        {
            "csrfmiddlewaretoken": _csrf(new_page), "scenario": scenario.pk,
            "subject": "My API keys are not working", "external_ticket": "ZD-90210",
            "priority": "high", "environment": "production",
            "key_prefix": "organizations/acme/apiKeys/5c4b3a29-0000-4000-8000-000000000001",
            "product_id": "BTC-USD",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert response.resolver_match.url_name == "case_detail"
    page = response.content.decode()
    assert case.reference in page and "0 of 3 checked" in page
    token = _csrf(page)
    htmx = {"HX-Request": "true", "X-CSRFToken": token}

    for key, state, note in (
        ("auth-key-validity", "pass", "CDP key with view+trade"),
        ("auth-jwt-claims", "fail", "uri claim says POST, request is GET"),
        ("auth-endpoints", "pass", ""),
    ):
        row = case.checklist_items.get(item__key=key)
        url = reverse("triage:checklist_item_update", args=[case.pk, row.pk])
        swap = browser.post(url, {"state": state, "note": note}, headers=htmx)
        assert swap.status_code == 200
    assert "3 of 3 checked" in swap.content.decode()
    assert "1 failing" in swap.content.decode()

    jwt = signed_jwt()
    pasted = (
        "GET /api/v3/brokerage/accounts HTTP/1.1\n"
        "Host: api.coinbase.com\n"
        f"Authorization: Bearer {jwt}\n"
        "Accept: application/json\n\n"
        "HTTP/1.1 401 Unauthorized\n"
        "Date: Tue, 24 Nov 2026 10:02:11 GMT\n"
        "x-request-id: 7c9e6679-7425-40de-944b-e07fc1f90ae7\n"
        "cf-ray: 8e40b2f1c9a1d2e3-AMS\n\n"
        '{"error":"UNAUTHORIZED","message":"Unauthorized"}'
    )
    swap = browser.post(
        reverse("triage:evidence_create", args=[case.pk]), {"raw": pasted, "kind": ""},
        headers=htmx,
    )
    assert swap.status_code == 200

    page = browser.get(case.get_absolute_url()).content.decode()
    assert "7c9e6679-7425-40de-944b-e07fc1f90ae7" in page
    assert "8e40b2f1c9a1d2e3-AMS" in page
    header, claims, signature = jwt_parts(jwt)
    assert f"Bearer {header}.{claims}.[REDACTED-SIGNATURE]" in page
    assert signature not in page
    evidence = Evidence.objects.get()
    assert signature not in evidence.raw
    assert [c["name"] for c in evidence.correlation_ids] == ["x-request-id", "cf-ray"]
    timeline = [e.kind for e in case.timeline.order_by("at", "pk")]
    assert timeline[0] == "created" and timeline[-1] == "evidence"
    assert timeline.count("item_set") == 3

    found = browser.get(reverse("triage:case_list"), {"q": "8e40b2f1c9a1d2e3"}).content.decode()
    assert case.reference in found
