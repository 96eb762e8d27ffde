"""The whole-path canary: planted secrets go through every product path, then every store
is searched for them.

Planted: a freshly generated EC P-256 key (PEM) and an Ed25519 key (base64 secret), both
made by the sandbox for this run; a whole signed JWT; an `Authorization: Bearer` header.
Paths: case create and edit (key prefix field), checklist note, evidence paste, an
evidence import, every diagnostic through the run form and a real worker on the
configured broker (Redis when REDIS_URL answers), packet submit, lead review, every export,
and every page of the product (and the admin) rendered with the test client.
Stores searched: the database (SQLite dump and raw file + WAL, or every row of every
PostgreSQL table), the broker (every Redis key and value, or the filesystem broker's
folders), the worker's log at DEBUG, this process's logs at DEBUG, exported files and
every rendered page.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from config.celery import app
from diagnostics.checks import CHECK_ORDER
from diagnostics.models import DiagnosticRun
from escalations.models import Escalation, Packet
from integrations.models import EvidenceImport
from integrations.services import integration_token_create
from sandbox.client import build_jwt
from tests.fixtures.diagnostics import sandbox_targets, wait_run_finished
from tests.fixtures.worker import WorkerProcess, worker_env
from tests.security.samples import evidence_paste, har
from tests.security.stores import Needles, database_files, dump_broker, dump_database
from tests.security.urlmap import ADMIN, ARGS, build_url, url_patterns
from triage.models import Case, CaseChecklistItem, Scenario

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(240),
]
HTMX = {"HX-Request": "true"}
CASE_TARGETS = ["case-header", "case-details", "checklists", "evidence-panel", "timeline"]


@pytest.fixture
def debug_worker(tmp_path, settings):
    """A real worker at DEBUG (celery and every app logger) on a queue of its own, which
    also consumes the session's default queue so every task of the flow runs here."""
    queue = f"canary-{uuid.uuid4().hex[:8]}"
    settings.DIAGNOSTICS_QUEUE = queue
    env = worker_env(WORKER_LOG_LEVEL="DEBUG", LOG_LEVEL="DEBUG", DIAGNOSTICS_QUEUE=queue)
    worker = WorkerProcess(env, f"canary-{queue}", f"{queue},{settings.CELERY_TASK_DEFAULT_QUEUE}",
                           tmp_path / "worker.log", concurrency=4)
    try:
        worker.wait_ready(app)
        yield worker
    finally:
        worker.stop()


def run_every_check(client: Client, case, sandbox, key: dict, token: str) -> DiagnosticRun:
    data = {"checks": CHECK_ORDER, "product_id": "BTC-USD", "action": "trade", "side": "BUY",
            "size": "0.001", "key_name": key["key_name"], "key_secret": key["private_key"],
            "customer_jwt": token, "customer_request": "GET /api/v3/brokerage/accounts",
            **sandbox_targets(sandbox)}
    before = set(DiagnosticRun.objects.values_list("pk", flat=True))
    response = client.post(reverse("diagnostics:run_create", args=[case.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    run = DiagnosticRun.objects.exclude(pk__in=before).get(case=case)
    return run


def visit_every_page(clients: list[Client], world: dict) -> list[str]:
    pages = []
    for pattern in url_patterns():
        if pattern.name.startswith(ADMIN) or pattern.name.startswith("api:"):
            continue
        if any(spec.split(".")[0] not in world for spec in ARGS[pattern.name].values()
               if not spec.startswith("=")) or pattern.name == "logout":
            continue
        url = build_url(pattern, world)
        for client in clients:
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            pages.append(f"GET {url} {response.status_code}\n{response.content.decode()}")
    case_url = reverse("triage:case_detail", args=[world["case"].pk])
    for target in CASE_TARGETS:
        pages.append(clients[0].get(case_url, headers={**HTMX, "HX-Target": target})
                     .content.decode())
    for fmt in ("md", "html"):
        pages.append(clients[0].get(reverse("escalations:packet_export",
                                            args=[world["packet"].pk, fmt])).content.decode())
    return pages


def visit_admin(world_models_client: Client) -> list[str]:
    pages = []
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        urls = [changelist]
        first = model._default_manager.order_by("-pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change",
                                args=[first.pk]))
        for url in urls:
            response = world_models_client.get(url)
            assert response.status_code == 200, url
            pages.append(f"GET {url} {response.status_code}\n{response.content.decode()}")
    return pages


def test_planted_secrets_reach_no_store(sandbox, debug_worker, agent, lead, caplog, capsys,
                                        tmp_path, settings):
    caplog.set_level(logging.DEBUG)
    es_key = sandbox.control.create_key("ES256", permissions=["view", "trade"])
    ed_key = sandbox.control.create_key("EdDSA", permissions=["view"])
    sandbox.control.set_balances(es_key["portfolio_uuid"], {"USD": "100", "BTC": "0.01"})
    pem, ed_secret = es_key["private_key"], ed_key["private_key"]
    assert pem.startswith("-----BEGIN")
    es_jwt = build_jwt(es_key["key_name"], pem, f"GET {sandbox.host}/api/v3/brokerage/accounts")
    ed_jwt = build_jwt(ed_key["key_name"], ed_secret,
                       f"GET {sandbox.host}/api/v3/brokerage/accounts")
    needles = Needles(secrets=[pem, ed_secret],
                      signatures=[t.rsplit(".", 1)[1] for t in (es_jwt, ed_jwt)])
    assert len(needles.forms) > 20
    # The scanner finds what it looks for: the raw, escaped and encoded forms.
    for planted in (pem, ed_secret, json.dumps({"k": pem}), base64.b64encode(pem.encode()).decode(),
                    f"Authorization: Bearer {es_jwt}", pem.splitlines()[2]):
        assert needles.hits(planted), planted[:30]

    agent_client, lead_client, admin_client = Client(), Client(), Client()
    agent_client.force_login(agent)
    lead_client.force_login(lead)
    admin_client.force_login(User.objects.create_superuser("root", password="pw-root-123!"))

    # Case create and edit: a secret pasted into the key prefix field.
    scenario = Scenario.objects.get(slug="api-keys-not-working")
    response = agent_client.post(reverse("triage:case_create"), {
        "scenario": scenario.pk, "subject": "Private calls answer 401", "priority": "high",
        "key_prefix": pem, "product_id": "BTC-USD", "environment": "production",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(scenario=scenario)
    response = agent_client.post(reverse("triage:case_update", args=[case.pk]), {
        "subject": case.subject, "priority": "high", "key_prefix": ed_secret,
        "product_id": "BTC-USD", "environment": "production",
    })
    assert response.status_code == 302, response.content.decode()[:3000]

    # A checklist note and a case note carrying secrets.
    item = CaseChecklistItem.objects.filter(case=case).first()
    agent_client.post(reverse("triage:checklist_item_update", args=[case.pk, item.pk]),
                      {"state": "fail", "note": f"customer pasted {pem} and {ed_secret}"})
    agent_client.post(reverse("triage:case_note_create", args=[case.pk]),
                      {"text": f"secret {ed_secret} token {es_jwt[:150]}"})

    # Evidence paste (Authorization header, PEM and Ed25519 secret in a JSON body).
    response = agent_client.post(reverse("triage:evidence_create", args=[case.pk]),
                                 {"raw": evidence_paste(es_jwt, pem, ed_secret), "kind": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    response = agent_client.post(reverse("integrations:import_create", args=[case.pk]),
                                 {"text": har(ed_jwt)})
    assert response.status_code == 302, response.content.decode()[:3000]

    # Every diagnostic, through the form, a real worker and the sandbox; both keys.
    runs = [run_every_check(agent_client, case, sandbox, es_key, es_jwt),
            run_every_check(agent_client, case, sandbox, ed_key, ed_jwt)]
    for run in runs:
        wait_run_finished(run, timeout=120)
        assert run.status == DiagnosticRun.Status.DONE, run.failure_reason
        assert run.check_runs.count() == len(CHECK_ORDER)
    # The secrets really reached the checks: the sandbox accepted both keys.
    for run in runs:
        statuses = dict(run.check_runs.values_list("check_id", "status"))
        assert statuses["key.permissions"] in ("pass", "fail"), statuses
        assert statuses["balances"] == "pass", statuses

    # Packet submit with everything selected, a lead review, every export.
    from tests.fixtures.escalations import all_refs

    response = agent_client.post(reverse("escalations:packet_builder", args=[case.pk]), {
        "refs": all_refs(case), "summary": "Every private call answers 401.",
        "steps_tried": "Checked the clock and the key.", "gap_reason": "Customer unreachable.",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    escalation = Escalation.objects.get(case=case)
    packet = Packet.objects.get(escalation=escalation)
    lead_client.post(reverse("escalations:escalation_review", args=[escalation.pk]),
                     {"action": "acknowledge", "comment": "Looking."})
    exports = []
    for fmt in ("json", "md", "html"):
        response = agent_client.get(reverse("escalations:packet_export", args=[packet.pk, fmt]))
        assert response.status_code == 200
        path = tmp_path / f"packet.{fmt}"
        path.write_bytes(response.content)
        exports.append(path)

    token, plain = integration_token_create(name="canary", scopes=["cases:read", "packets:read"],
                                            by=lead)
    world = {"case": case, "item": item, "run": runs[0], "escalation": escalation,
             "packet": packet, "import": EvidenceImport.objects.get(case=case), "token": token}
    pages = visit_every_page([agent_client, lead_client], world)
    pages += visit_admin(admin_client)
    bearer = {"Authorization": f"Bearer {plain}"}
    for url in (f"/api/cases/{case.reference}", f"/api/cases/{case.reference}/packets",
                f"/api/packets/{packet.pk}"):
        response = Client().get(url, headers=bearer)
        assert response.status_code == 200, (url, response.content[:300])
        pages.append(f"GET {url} {response.status_code}\n{response.content.decode()}")
    assert sum(page.split("\n", 1)[0].endswith(" 200") for page in pages) > 60

    # What was planted must show up as redacted, so the paths really carried it.
    evidence_page = agent_client.get(reverse("triage:case_detail", args=[case.pk])).content
    assert b"REDACTED" in evidence_page

    broker_name, broker_text = dump_broker()
    captured = capsys.readouterr()
    debug_worker.stop()
    stores = {
        "database dump": dump_database(),
        "database files": database_files(),
        broker_name: broker_text,
        "worker log (DEBUG)": debug_worker.log_path.read_text(errors="replace"),
        "test logs (DEBUG)": caplog.text + captured.out + captured.err,
        "exported files": "\n".join(Path(p).read_text() for p in exports),
        "rendered pages": "\n".join(pages),
    }
    worker_log = stores["worker log (DEBUG)"]
    assert "DEBUG" in worker_log and "succeeded" in worker_log, "the worker ran the flow"
    assert settings.BROKER_MODE in ("redis", "filesystem")
    found = {name: needles.hits(text) for name, text in stores.items()}
    assert all(not hits for hits in found.values()), found
