"""Run form and run page: full pages, htmx fragments, errors next to fields, no secrets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diagnostics import services
from diagnostics.models import CheckRun, DiagnosticRun
from tests.fixtures.diagnostics import make_canary

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def form_data(**overrides) -> dict:
    data = {
        "checks": ["jwt.inspect", "key.format"], "product_id": "BTC-USD", "action": "view",
        "rest_base": "http://127.0.0.1:8701", "ws_market_url": "ws://127.0.0.1:8701/ws/market",
        "ws_user_url": "ws://127.0.0.1:8701/ws/user",
    }
    data.update(overrides)
    return data


@pytest.fixture
def create_url(diag_case):
    return reverse("diagnostics:run_create", args=[diag_case.pk])


def test_run_form_page_preselects_the_scenario_checks(agent_client, create_url):
    response = agent_client.get(create_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="run-form"' in html
    for check_id in ("jwt.inspect", "jwt.clock_skew", "key.format", "key.permissions",
                     "reach.rest"):
        assert _is_checked(html, check_id), check_id
    assert not _is_checked(html, "ws.user")  # not linked to this scenario's checklists
    assert 'name="key_secret"' in html and 'autocomplete="off"' in html
    assert "no-store" in response["Cache-Control"]


def _is_checked(html: str, check_id: str) -> bool:
    start = html.index(f'value="{check_id}"')
    tag = html[html.rindex("<input", 0, start):html.index(">", start)]
    return "checked" in tag


def test_run_form_fragment_for_htmx(agent_client, create_url):
    response = agent_client.get(create_url, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="run-form"') and "<html" not in html


def test_bad_input_is_reported_next_to_the_field_and_secrets_are_not_echoed(agent_client,
                                                                          create_url):
    canary = make_canary()
    response = agent_client.post(create_url, form_data(
        product_id="btc usd", rest_base="ftp://example", key_secret=canary.key_secret,
        customer_jwt=canary.jwt, customer_request="fetch accounts",
    ))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a product pair like BTC-USD" in html
    assert "Enter the REST base as a URL" in html
    assert "Enter the key name that goes with the secret." in html
    assert 'Enter a method and a path' in html
    assert not canary.hits(html)
    assert not DiagnosticRun.objects.exists()


def test_no_check_picked(agent_client, create_url):
    response = agent_client.post(create_url, form_data(checks=[]))
    assert response.status_code == 422
    assert "Pick at least one check." in response.content.decode()


def test_a_secret_pasted_as_the_key_name_is_refused(agent_client, create_url):
    canary = make_canary()
    response = agent_client.post(create_url, form_data(key_name=canary.key_secret))
    assert response.status_code == 422
    html = response.content.decode()
    assert "That looks like the secret" in html and not canary.hits(html)


def test_starting_a_run_redirects_to_its_page(agent_client, create_url, diag_case,
                                              django_capture_on_commit_callbacks):
    canary = make_canary()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = agent_client.post(create_url, form_data(
            key_name=canary.key_name, key_secret=canary.key_secret, customer_jwt=canary.jwt,
            side="BUY", size="0.25", portfolio_id="5f3c1c5e-3b7a-4c39-9d43-1a2b3c4d5e6f",
        ))
    run = DiagnosticRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert len(callbacks) == 1
    assert run.case == diag_case and run.side == "BUY" and run.size == "0.25"
    assert run.checks == ["jwt.inspect", "key.format"]
    assert run.credentials_handle and run.key_prefix
    assert not canary.hits(repr(DiagnosticRun.objects.filter(pk=run.pk).values().get()))


def test_a_secret_in_the_url_is_refused(agent_client, create_url):
    response = agent_client.get(create_url + "?key_secret=abc")
    assert response.status_code == 400


def test_queue_unavailable_is_a_message_not_a_500(agent_client, create_url, broker_down):
    response = agent_client.post(create_url, form_data(
        key_name="organizations/o/apiKeys/k", key_secret="s" * 44))
    assert response.status_code == 503
    assert "the diagnostics queue is unavailable" in response.content.decode().lower()
    assert not DiagnosticRun.objects.exists()


def test_unknown_case_and_anonymous(agent_client):
    assert agent_client.get(reverse("diagnostics:run_create", args=[999999])).status_code == 404
    assert agent_client.get(reverse("diagnostics:run_detail", args=[999999])).status_code == 404
    response = Client().get(reverse("diagnostics:run_detail", args=[1]))
    assert response.status_code == 302 and "login" in response["Location"]


def make_run(case, agent, *, finished: bool) -> DiagnosticRun:
    run = services.run_start(case=case, by=agent, checks=["jwt.inspect", "key.format"])
    DiagnosticRun.objects.filter(pk=run.pk).update(
        status=DiagnosticRun.Status.RUNNING, started_at=timezone.now()
    )
    run.check_runs.filter(check_id="jwt.inspect").update(
        status=CheckRun.Status.FAIL, codes=["JWT_EXPIRED"], summary="The token expired 5 min ago.",
        advice="Mint a fresh token for every request.", duration_ms=12,
        evidence=[{"kind": "http", "method": "GET", "url": "http://127.0.0.1:8701/time",
                   "request_headers": {"Accept": "application/json"}, "status": 200,
                   "response_headers": {"x-request-id": "req-42"}, "body_excerpt": "{}",
                   "duration_ms": 3.0, "correlation_ids": {"x-request-id": "req-42"}}],
    )
    if finished:
        run.check_runs.filter(check_id="key.format").update(status=CheckRun.Status.PASS,
                                                            summary="A PEM EC P-256 key.")
        services.run_finish_if_complete(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_running_run_page_polls(agent_client, diag_case, agent,
                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = make_run(diag_case, agent, finished=False)
    response = agent_client.get(run.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert 'hx-trigger="every 2s"' in html
    assert "1 of 2 checks done" in html and "<progress" in html
    assert "JWT_EXPIRED" in html and "Mint a fresh token" in html
    assert "<details>" in html and "req-42" in html

    fragment = agent_client.get(run.get_absolute_url(), headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="run-progress"') and "<html" not in fragment
    assert 'hx-trigger="every 2s"' in fragment


def test_finished_run_stops_polling(agent_client, diag_case, agent,
                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = make_run(diag_case, agent, finished=True)
    assert run.status == DiagnosticRun.Status.DONE
    fragment = agent_client.get(run.get_absolute_url(), headers=HTMX).content.decode()
    assert "hx-trigger" not in fragment and "2 of 2 checks done" in fragment
    assert "A PEM EC P-256 key." in fragment


def test_an_overdue_run_is_shown_failed_with_its_reason(agent_client, diag_case, agent,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = make_run(diag_case, agent, finished=False)
    DiagnosticRun.objects.filter(pk=run.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    html = agent_client.get(run.get_absolute_url()).content.decode()
    assert "Failed" in html and "did not finish (key.format)" in html
    assert 'hx-trigger="every 2s"' not in html


def test_case_page_lists_runs_with_a_constant_number_of_queries(
    agent_client, diag_case, agent, django_capture_on_commit_callbacks
):
    url = reverse("triage:case_detail", args=[diag_case.pk])
    with django_capture_on_commit_callbacks(execute=False):
        make_run(diag_case, agent, finished=True)
    with CaptureQueriesContext(connection) as one:
        html = agent_client.get(url).content.decode()
    assert 'id="panel-diagnostics"' in html and "JWT_EXPIRED" in html
    assert reverse("diagnostics:run_create", args=[diag_case.pk]) in html
    with django_capture_on_commit_callbacks(execute=False):
        make_run(diag_case, agent, finished=True)
        make_run(diag_case, agent, finished=False)
    with CaptureQueriesContext(connection) as three:
        html = agent_client.get(url).content.decode()
    assert html.count("diagnostics/runs/") >= 3
    assert len(three) == len(one)


def test_error_reports_never_show_the_posted_secrets(rf, agent, diag_case, create_url):
    from django.views.debug import SafeExceptionReporterFilter
    from django_htmx.middleware import HtmxDetails

    from diagnostics.views import run_create

    canary = make_canary()
    request = rf.post(create_url, form_data(product_id="bad", key_name=canary.key_name,
                                            key_secret=canary.key_secret,
                                            customer_jwt=canary.jwt))
    request.user, request.htmx = agent, HtmxDetails(request)
    response = run_create(request, case_pk=diag_case.pk)
    assert response.status_code == 422
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    for name in ("key_name", "key_secret", "customer_jwt"):
        assert cleansed[name] == "********************"
    assert cleansed["product_id"] == "bad"


def test_admin_lists_runs_read_only(client, diag_case, agent, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    with django_capture_on_commit_callbacks(execute=False):
        run = make_run(diag_case, agent, finished=True)
    admin = User.objects.create_superuser("root", "root@example.com", "pw-root-123!")
    client.force_login(admin)
    listing = client.get(reverse("admin:diagnostics_diagnosticrun_changelist"))
    assert listing.status_code == 200
    change_url = reverse("admin:diagnostics_diagnosticrun_change", args=[run.pk])
    assert change_url in listing.content.decode()
    page = client.get(change_url)
    assert page.status_code == 200 and "JWT_EXPIRED" in page.content.decode()
    assert "credentials_handle" not in page.content.decode()
