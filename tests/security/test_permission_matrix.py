"""The permission matrix: every URL pattern × anonymous, agent, another agent and team lead.

`MATRIX` names, for each URL pattern, the methods its view accepts and who may reach it.
Each role is one test (one "point of view") that walks `get_resolver()`, requests every
pattern with every method on a fresh world of objects owned by `agent`, and compares the
outcome with the matrix:

- ok   — the view answered (2xx, a redirect elsewhere than the login page, or a 4xx form error)
- no   — sent to the login page, 401 or 403
- 404  — hidden: another agent asking for an agent's own escalation, packet or attempt

A method the view does not accept must never be "ok". Admin patterns (generated per
registered model) are staff-only: no role here is staff, so every one of them is "no".
"""

from __future__ import annotations

import pytest
from django.test import Client

from diagnostics import services as diagnostics_services
from escalations.services import escalation_submit
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.services import evidence_import_create, integration_token_create
from integrations.webhooks import webhook_endpoint_create
from practice.models import PracticeScenario
from practice.services import attempt_assign
from tests.fixtures.diagnostics import make_case
from tests.security.samples import har
from tests.security.urlmap import ADMIN, ARGS, build_url, url_patterns
from triage.models import CaseChecklistItem

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "agent", "other_agent", "lead")
PUBLIC = {"anonymous": "ok", "agent": "ok", "other_agent": "ok", "lead": "ok"}
STAFF = {"anonymous": "no", "agent": "ok", "other_agent": "ok", "lead": "ok"}
OWNER = {"anonymous": "no", "agent": "ok", "other_agent": "404", "lead": "ok"}
LEAD = {"anonymous": "no", "agent": "no", "other_agent": "no", "lead": "ok"}
NOBODY = {"anonymous": "no", "agent": "no", "other_agent": "no", "lead": "no"}
HIDDEN = {"anonymous": "404", "agent": "404", "other_agent": "404", "lead": "404"}
# Everyone ends on the login page after logging out.
LOGGED_OUT = {"anonymous": "no", "agent": "no", "other_agent": "no", "lead": "no"}

G, P, GP = ("GET",), ("POST",), ("GET", "POST")
MATRIX = {
    "home": (G, STAFF),
    "healthz": (G, PUBLIC),
    "login": (GP, PUBLIC),
    "logout": (P, LOGGED_OUT),
    # Cases are the team's: every agent works every case.
    "triage:case_list": (G, STAFF),
    "triage:case_create": (GP, STAFF),
    "triage:case_detail": (G, STAFF),
    "triage:case_update": (P, STAFF),
    "triage:case_transition": (P, STAFF),
    "triage:case_note_create": (P, STAFF),
    "triage:checklist_add": (P, STAFF),
    "triage:checklist_item_update": (P, STAFF),
    "triage:evidence_create": (P, STAFF),
    "diagnostics:run_create": (GP, STAFF),
    "diagnostics:run_detail": (G, STAFF),
    "escalations:packet_builder": (GP, STAFF),
    # An escalation and its packets: the agent who escalated and the leads.
    "escalations:escalation_detail": (G, OWNER),
    "escalations:escalation_review": (P, LEAD),
    "escalations:packet_detail": (G, OWNER),
    "escalations:packet_export": (G, OWNER),
    "escalations:notification_list": (GP, STAFF),
    "escalations:escalation_queue": (G, LEAD),
    "escalations:radar_banner": (G, LEAD),
    "escalations:dashboard": (G, LEAD),
    "integrations:import_create": (P, STAFF),
    "integrations:import_detail": (G, STAFF),
    "integrations:entry_reproduce": (G, STAFF),
    "integrations:reply_append": (P, STAFF),
    "integrations:reply_save": (P, STAFF),
    "integrations:signature_list": (G, LEAD),
    "integrations:token_list": (GP, LEAD),
    "integrations:token_revoke": (P, LEAD),
    "integrations:webhook_list": (GP, LEAD),
    "integrations:webhook_detail": (G, LEAD),
    "integrations:delivery_replay": (P, LEAD),
    "practice:practice_home": (G, STAFF),
    "practice:scenario_start": (P, STAFF),
    "practice:attempt_assign": (P, LEAD),
    # A lead reaches an attempt but cannot act for the trainee (see the test below).
    "practice:attempt_start": (P, OWNER),
    "practice:attempt_diagnose": (P, OWNER),
    "practice:attempt_submit": (GP, OWNER),
    "practice:attempt_scorecard": (G, OWNER),
    "practice:practice_dashboard": (G, LEAD),
    # The JSON API takes integration tokens only; a browser session is not enough.
    "api:openapi-json": (GP, PUBLIC),
    "api:api-root": (GP, HIDDEN),  # no interactive docs are served
    "api:case_create": (P, NOBODY),
    "api:case_read": (G, NOBODY),
    "api:evidence_create": (P, NOBODY),
    "api:packet_list": (G, NOBODY),
    "api:packet_read": (G, NOBODY),
}
# The admin's login page is public; its logout only redirects a non-staff user to its index.
ADMIN_PUBLIC = {"admin:login": (GP, PUBLIC), "admin:logout": (GP, PUBLIC)}


def policy(name: str):
    if name in ADMIN_PUBLIC:
        return ADMIN_PUBLIC[name]
    if name.startswith(ADMIN):
        return (GP, NOBODY)
    return MATRIX[name]


def classify(response, name: str = "") -> str:
    status = response.status_code
    if name == "healthz" and status == 503 and response.json()["ok"] is False:
        return "ok"  # the probe answers; it is unhealthy only because no worker runs here
    if status >= 500:
        return f"server error {status}"
    if status in (301, 302) and "login" in response.url:
        return "no"
    if status in (401, 403):
        return "no"
    if status in (404, 405):
        return str(status)
    return "ok"


@pytest.fixture
def world(agent, lead):
    case = make_case(by=agent, product_id="BTC-USD")
    run = diagnostics_services.run_start(case=case, by=agent, checks=["key.format"])
    packet = escalation_submit(case=case, by=agent, refs=[], summary="401 on every call.",
                               steps_tried="Clock checked.", gap_reason="Customer is away.")
    token, _ = integration_token_create(name="helpdesk", scopes=["cases:read"], by=lead)
    endpoint, _ = webhook_endpoint_create(name="hook", url="https://hooks.example.com/t",
                                          events=[WebhookEndpoint.Event.CASE_ESCALATED], by=lead)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="case.escalated",
                                              payload={"case": case.reference})
    scenario = PracticeScenario.objects.filter(is_active=True).order_by("pk").first()
    return {
        "case": case,
        "item": CaseChecklistItem.objects.filter(case=case).first(),
        "run": run,
        "escalation": packet.escalation,
        "packet": packet,
        "import": evidence_import_create(case=case, text=har("header.claims.signature"),
                                         by=agent),
        "token": token,
        "webhook": endpoint,
        "delivery": delivery,
        "practice_scenario": scenario,
        "attempt": attempt_assign(scenario=scenario, trainee=agent, assigned_by=lead),
    }


def test_every_url_pattern_has_a_matrix_entry():
    names = [p.name for p in url_patterns()]
    missing = [n for n in names if not n.startswith(ADMIN) and n not in MATRIX]
    assert not missing, f"add these URL patterns to MATRIX and urlmap.ARGS: {missing}"
    assert not [n for n in names if not n.startswith(ADMIN) and n not in ARGS]
    assert not set(MATRIX) - set(names), "stale matrix entries"
    assert len(names) > 100  # the admin's patterns are walked too


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, world, agent, other_agent, lead):
    users = {"agent": agent, "other_agent": other_agent, "lead": lead}
    wrong = []
    checked = 0
    for pattern in url_patterns():
        methods, expected = policy(pattern.name)
        url = build_url(pattern, world)
        for method in ("GET", "POST"):
            client = Client()
            if role in users:
                client.force_login(users[role])
            response = getattr(client, method.lower())(url)
            got = classify(response, pattern.name)
            checked += 1
            if method in methods:
                if got != expected[role]:
                    wrong.append(f"{method} {url} ({pattern.name}): {got}, "
                                 f"expected {expected[role]}")
            elif got == "ok":
                wrong.append(f"{method} {url} ({pattern.name}) answers a method it does not take")
    assert not wrong, "\n".join(wrong)
    assert checked > 200


def test_a_lead_cannot_act_for_the_trainee(world, lead, client):
    attempt = world["attempt"]
    client.force_login(lead)
    for name in ("attempt_start", "attempt_diagnose", "attempt_submit"):
        response = client.post(f"/practice/attempts/{attempt.pk}/{name.split('_')[1]}/")
        assert response.status_code == 302
    refused = client.post(f"/practice/attempts/{attempt.pk}/start/", follow=True)
    assert b"Only the trainee can start this exercise." in refused.content
    before = (attempt.status, attempt.case_id)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.case_id) == before
