"""Django's own error reports (Django's canary method, tests/view_tests/test_debug.py):
a view that fails while holding a customer's secret sends an admin mail, with the whole
traceback, POST data and frame variables, in which the secret appears nowhere.

The failure is injected into the run service, the one fault here that cannot be caused for
real: a bug that puts the secret into an exception message.
"""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.log import AdminEmailHandler

from diagnostics import services
from tests.fixtures.diagnostics import make_canary, make_case
from tests.security.stores import Needles

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_mail(settings):
    settings.ADMINS = [("On call", "oncall@example.com")]
    settings.DEBUG = False
    handler = AdminEmailHandler(include_html=True)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)


def test_the_admin_mail_of_a_crashing_run_form_holds_no_secret(admin_mail, agent, monkeypatch):
    canary = make_canary()
    needles = Needles(secrets=[canary.key_secret], signatures=[canary.signature])

    def crash(**kwargs):
        secret = kwargs["key_secret"]
        raise RuntimeError(f"a bug that quotes the secret {secret} and {kwargs['customer_jwt']}")

    monkeypatch.setattr(services, "run_start", crash)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    case = make_case(by=agent)
    response = client.post(reverse("diagnostics:run_create", args=[case.pk]), {
        "checks": ["key.format"], "action": "view", "key_name": canary.key_name,
        "key_secret": canary.key_secret, "customer_jwt": canary.jwt,
        "rest_base": "https://api.coinbase.com",
        "ws_market_url": "wss://advanced-trade-ws.coinbase.com",
        "ws_user_url": "wss://advanced-trade-ws-user.coinbase.com",
    })
    assert response.status_code == 500
    assert mail.outbox
    report = "".join(m.subject + m.body + "".join(str(a[0]) for a in m.alternatives)
                     for m in mail.outbox)
    assert "RuntimeError" in report and "key_secret" in report, "a full report was sent"
    assert needles.hits(report) == []
    assert needles.hits(response.content.decode()) == []
