"""Web security promises: deploy check, CSP, CSRF on htmx posts, throttling, sessions."""

import logging
import os
import subprocess
import sys
import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures.worker import ROOT


def test_check_deploy_is_clean_with_production_settings():
    test_only = ("DEBUG", "SECURE_SSL", "DJANGO_ALLOW_ASYNC_UNSAFE")  # set by the browser tests
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="x9!" + "k" * 20 + "Qz7#" + "p" * 30 + "-prod-like-secret",
        ALLOWED_HOSTS="triage.example.com",
    )
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_pages_send_a_csp_without_inline_script(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in response.content.decode(), "no inline script blocks"


def test_htmx_post_without_csrf_token_is_refused(agent, db):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(agent)
    response = csrf_client.post(reverse("logout"), headers={"HX-Request": "true"})
    assert response.status_code == 403


def test_htmx_post_with_csrf_header_is_accepted(agent, db):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(agent)
    csrf_client.get(reverse("login"))
    page = csrf_client.get(reverse("triage:case_list"))
    token = page.cookies.get("csrftoken") or csrf_client.cookies.get("csrftoken")
    assert token is not None
    response = csrf_client.post(
        reverse("logout"), headers={"HX-Request": "true", "X-CSRFToken": token.value}
    )
    assert response.status_code in (200, 302)


def test_login_is_throttled_after_repeated_failures(client, agent, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(5):
        client.post(reverse("login"), {"username": agent.username, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": agent.username, "password": "pw-agent1-123!"}
    )
    assert response.status_code == 429
    from axes.models import AccessAttempt

    stored = " ".join(str(a.post_data) for a in AccessAttempt.objects.all())
    assert "wrong" not in stored


def test_session_idle_timeout_and_absolute_cap(client, agent, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client.force_login(agent)
    assert client.get(reverse("triage:case_list")).status_code == 200
    session = client.session
    session["auth_started_at"] = int(time.time()) - settings.SESSION_ABSOLUTE_AGE - 5
    session.save()
    response = client.get(reverse("triage:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("triage:case_list")).status_code == 302


def test_login_rotates_the_session_key(client, agent):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    client.post(reverse("login"), {"username": agent.username, "password": "pw-agent1-123!"})
    after = client.cookies.get("sessionid")
    assert after is not None and (before is None or before.value != after.value)


CANARY = "Zq" + os.urandom(12).hex()  # made at run time, so source listings never hold it
PEM = f"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI{CANARY}oAoGCCqGSM49\n-----END EC PRIVATE KEY-----"


def test_log_records_pass_through_the_redactor(caplog):
    from config.logging import RedactingFilter

    logger = logging.getLogger("triage.test")
    handler_filter = RedactingFilter()
    record = logger.makeRecord(
        "triage.test", logging.INFO, __file__, 1, "secret is %s and jwt %s",
        (PEM, "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrIn0.SIGNATURECANARY123456"), None,
    )
    handler_filter.filter(record)
    message = record.getMessage()
    assert CANARY not in message
    assert "SIGNATURECANARY" not in message
    assert "eyJzdWIiOiJrIn0" in message, "JWT claims stay readable"


@pytest.mark.django_db
def test_technical_500_page_hides_secrets(settings):
    """Django's DEBUG error page, like its admin mail, shows no planted secret."""
    from django.test import RequestFactory
    from django.views.debug import technical_500_response

    settings.DEBUG = True
    request = RequestFactory().post("/x", {"key_secret": PEM, "note": PEM})

    def failing_view(key_material):
        raise ValueError("could not load key")

    try:
        failing_view(PEM)
    except ValueError:
        response = technical_500_response(request, *sys.exc_info())
    body = response.content.decode()
    assert CANARY not in body
