"""Escalation pages: builder, detail, review, exports, queue, dashboard, roles, badge."""

import html
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalations.exports import packet_facts, packet_validate
from escalations.models import Escalation, EscalationTag, Packet
from escalations.services import escalation_review, escalation_submit
from tests.fixtures.escalations import all_refs

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def submit(case, agent):
    return escalation_submit(
        case=case, by=agent, refs=all_refs(case), summary="401 on every call.", steps_tried="Clock."
    )


def test_builder_page_and_preview_fragment(agent_client, escalation_case):
    url = reverse("escalations:packet_builder", args=[escalation_case.pk])
    page = agent_client.get(url)
    assert page.status_code == 200
    assert b"<html" in page.content and b'id="packet-preview"' in page.content
    assert b"Consistent authentication failures" in page.content
    fragment = agent_client.post(
        url, {"summary": "x", "steps_tried": "y", "preview": "1"}, headers=HTMX
    )
    assert fragment.status_code == 200
    assert b'id="packet-preview"' in fragment.content and b"<html" not in fragment.content
    assert b"Full REST request/response with headers" in fragment.content
    assert not Packet.objects.exists()


def test_builder_submit_without_js_redirects_to_the_escalation(agent_client, escalation_case):
    url = reverse("escalations:packet_builder", args=[escalation_case.pk])
    data = {"refs": all_refs(escalation_case), "summary": "401 everywhere", "steps_tried": "Clock"}
    response = agent_client.post(url, data)
    escalation = Escalation.objects.get()
    assert response.status_code == 302 and response.url == escalation.get_absolute_url()
    again = agent_client.post(url, dict(data, summary="401 everywhere, v2"), headers=HTMX)
    assert again.headers["HX-Redirect"] == escalation.get_absolute_url()
    assert list(Packet.objects.values_list("version", flat=True).order_by("version")) == [1, 2]


def test_fail_builder_errors_next_to_fields(agent_client, escalation_case, canary):
    url = reverse("escalations:packet_builder", args=[escalation_case.pk])
    gaps = agent_client.post(url, {"summary": "s", "steps_tried": "t"})
    assert gaps.status_code == 200
    assert b"Say why you escalate without it" in gaps.content
    secret = agent_client.post(
        url, {"refs": all_refs(escalation_case), "summary": canary.key_secret, "steps_tried": "t"}
    )
    assert secret.status_code == 200
    assert b"$.summary" in secret.content
    assert canary.secret_window.encode() not in secret.content
    assert not Packet.objects.exists()


def test_exports_validate_and_carry_the_same_facts(agent_client, escalation_case, agent):
    packet = submit(escalation_case, agent)
    url = lambda fmt: reverse("escalations:packet_export", args=[packet.pk, fmt])  # noqa: E731
    as_json = agent_client.get(url("json"))
    assert as_json["Content-Disposition"].startswith("attachment")
    document = json.loads(as_json.content)
    packet_validate(document)
    markdown = agent_client.get(url("md")).content.decode()
    page = html.unescape(agent_client.get(url("html")).content.decode())
    for fact in packet_facts(document):
        for line in fact.splitlines():
            assert line in markdown.replace("\\|", "|"), line
            assert line in page, line
    assert agent_client.get(url("pdf")).status_code == 404
    detail = agent_client.get(packet.get_absolute_url())
    assert detail.status_code == 200 and packet.content_hash.encode() in detail.content
    assert list(packet.escalation.events.values_list("action", flat=True)).count("exported") == 3


def test_roles(client, agent, other_agent, lead, escalation_case):
    packet = submit(escalation_case, agent)
    escalation = packet.escalation
    lead_pages = [
        reverse("escalations:escalation_queue"),
        reverse("escalations:dashboard"),
        reverse("escalations:radar_banner"),
    ]
    review = reverse("escalations:escalation_review", args=[escalation.pk])
    client.force_login(agent)
    for url in lead_pages:
        assert client.get(url).status_code == 403, url
    assert client.post(review, {"action": "acknowledge"}).status_code == 403
    assert client.get(escalation.get_absolute_url()).status_code == 200
    client.force_login(other_agent)
    assert client.get(escalation.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("escalations:packet_export", args=[packet.pk, "json"])).status_code
        == 404
    )
    client.force_login(lead)
    for url in lead_pages:
        assert client.get(url).status_code == 200, url
    assert client.post(review, {"action": "acknowledge"}).status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged"
    # Nobody edits a submitted packet: there is no edit URL and the page takes no writes.
    assert client.post(packet.get_absolute_url(), {"summary": "x"}).status_code == 405
    packet.refresh_from_db()
    assert packet.document["summary"] == "401 on every call."


def test_review_htmx_fragment_and_comment_error(lead_client, agent, escalation_case):
    escalation = submit(escalation_case, agent).escalation
    url = reverse("escalations:escalation_review", args=[escalation.pk])
    bad = lead_client.post(url, {"action": "request_info", "comment": ""}, headers=HTMX)
    assert bad.status_code == 422 and b"Say what information is missing" in bad.content
    assert b"<html" not in bad.content
    good = lead_client.post(url, {"action": "request_info", "comment": "Order id?"}, headers=HTMX)
    assert good.status_code == 200 and b'id="review-panel"' in good.content
    assert b"Requested more information" in good.content


def test_badges_for_leads_and_returned_agents(client, agent, lead, escalation_case):
    escalation = submit(escalation_case, agent).escalation
    client.force_login(lead)
    page = client.get(reverse("escalations:notification_list"))
    assert b'class="badge badge-alert">1<' in page.content
    escalation_review(escalation=escalation, by=lead, action="request_info", comment="Order id?")
    client.force_login(agent)
    page = client.get(reverse("escalations:notification_list")).content.decode()
    assert "More information" in page or "Request more information" in page
    assert 'class="badge badge-alert">1<' in page
    client.get(escalation.get_absolute_url())
    assert b"badge-alert" not in client.get(reverse("escalations:notification_list")).content


def _queue_queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("escalations:escalation_queue"),
            params,
            headers={"HX-Request": "true", "HX-Target": "queue-table"},
        )
    assert response.status_code == 200
    return len(queries), response


def test_queue_query_count_is_constant(lead_client):
    call_command("seed_escalations", count=3, agents=2, stdout=open("/dev/null", "w"))
    small, _ = _queue_queries(lead_client, {})
    call_command("seed_escalations", count=60, agents=3, seed=9, stdout=open("/dev/null", "w"))
    large, response = _queue_queries(lead_client, {})
    assert small == large
    assert response.content.count(b'<tr id="escalation-') == 25
    code = EscalationTag.objects.filter(kind="code").values_list("value", flat=True).first()
    filtered, response = _queue_queries(lead_client, {"code": code, "since": "2020-01-01"})
    assert filtered == large and b'<tr id="escalation-' in response.content
    empty, response = _queue_queries(
        lead_client, {"status": "submitted", "code": code, "product": "btc-usd", "q": "CASE-000001"}
    )
    assert empty <= large
    correlation = EscalationTag.objects.filter(kind="correlation").first()
    _, response = _queue_queries(lead_client, {"q": correlation.value})
    assert response.content.count(b'<tr id="escalation-') == 1
    full = lead_client.get(reverse("escalations:escalation_queue"), {"product": "not a pair"})
    assert b"A product pair like BTC-USD." in full.content


def test_queue_leaves_out_practice_and_shows_radar(lead_client):
    from django.utils import timezone

    call_command("seed_escalations", count=3, agents=3, stdout=open("/dev/null", "w"))
    EscalationTag.objects.filter(kind="signature").delete()
    EscalationTag.objects.bulk_create(
        EscalationTag(
            escalation=e,
            kind="signature",
            key_prefix=f"pref{n}",
            at=timezone.now(),
            value="KEY_UNAUTHORIZED /api/v3/brokerage/accounts",
        )
        for n, e in enumerate(Escalation.objects.all())
    )
    page = lead_client.get(reverse("escalations:escalation_queue"))
    assert b"Possible incident" in page.content
    assert b"for 3 distinct key prefixes" in page.content
    Escalation.objects.update(is_practice=True)
    page = lead_client.get(reverse("escalations:escalation_queue"))
    assert b"Possible incident" not in page.content
    assert b"No escalations match." in page.content


def test_dashboard_charts(lead_client, lead):
    call_command("seed_escalations", count=40, agents=3, days=40, stdout=open("/dev/null", "w"))
    escalation = Escalation.objects.filter(status="submitted").first()
    escalation_review(escalation=escalation, by=lead, action="request_info", comment="Order id?")
    page = lead_client.get(reverse("escalations:dashboard"))
    assert page.status_code == 200
    assert page.content.count(b"<svg viewBox") == 3
    assert b"median time from case open to escalation" in page.content
    assert b"SLA breaches" in page.content


def test_case_page_panel_shows_similar_cases(agent_client, agent, escalation_case):
    from tests.fixtures.escalations import add_check_runs, canary_kit
    from triage.models import Scenario
    from triage.services import case_create

    other = case_create(
        subject="Also 401",
        scenario=Scenario.objects.get(slug="api-keys-not-working"),
        created_by=agent,
    )
    add_check_runs(other, token=canary_kit().jwt, runs=1)
    page = agent_client.get(escalation_case.get_absolute_url())
    assert page.status_code == 200
    assert b"Similar cases" in page.content and other.reference.encode() in page.content
    assert b'<li class="sla-met">First diagnosis:' in page.content
    assert b'<li class="sla-running">Escalation:' in page.content
