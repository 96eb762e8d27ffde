"""Integration pages: the case panel, imports, replays, reply drafts and the lead pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from integrations.models import (
    EvidenceImport,
    IntegrationToken,
    ReplyDraft,
    ReplyTemplate,
    WebhookDelivery,
    WebhookEndpoint,
)
from integrations.services import evidence_import_create
from integrations.webhooks import emit, webhook_endpoint_create
from tests.fixtures.triage import htmx_headers
from tests.integrations.evidence_files import ACCOUNTS, Call, har, page

pytestmark = pytest.mark.django_db
REUSED = [
    Call(0, f"{ACCOUNTS}?limit=50", body=page(True, "c1")),
    Call(1, f"{ACCOUNTS}?limit=50&cursor=c1", body=page(True, "c2")),
    Call(2, f"{ACCOUNTS}?limit=50&cursor=c1", body=page(False, "")),
]


def test_case_page_shows_the_panel_with_links(agent_client, case):
    case.tracker_url = "https://tracker.example.com/ENG-7"
    case.external_ticket_url = "https://helpdesk.example.com/t/48121"
    case.save()
    response = agent_client.get(case.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Import a HAR file or request log" in html
    assert 'href="https://tracker.example.com/ENG-7"' in html
    assert 'href="https://helpdesk.example.com/t/48121"' in html


def test_plain_upload_redirects_to_the_analysis(agent_client, case):
    upload = SimpleUploadedFile("bot.har", har(REUSED).encode(), "application/json")
    response = agent_client.post(reverse("integrations:import_create", args=[case.pk]),
                                 {"file": upload})
    evidence_import = EvidenceImport.objects.get(case=case)
    assert response.status_code == 302
    assert response.url == reverse("integrations:import_detail", args=[case.pk,
                                                                       evidence_import.pk])
    page_html = agent_client.get(response.url).content.decode()
    assert "PAGINATION_CURSOR_REUSED" in page_html
    assert "evidence.pagination" in page_html
    replay = agent_client.get(reverse("integrations:entry_reproduce",
                                      args=[case.pk, evidence_import.pk, 2]))
    assert replay.status_code == 200
    assert "curl -sS -X GET" in replay.content.decode()
    assert "RESTClient(api_key=" in replay.content.decode()


def test_htmx_paste_returns_form_and_table_fragments(agent_client, case):
    response = agent_client.post(reverse("integrations:import_create", args=[case.pk]),
                                 {"text": har(REUSED)}, headers=htmx_headers("import-form"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-form"' in html and 'hx-swap-oob="true"' in html
    assert "<html" not in html and "PAGINATION_CURSOR_REUSED" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_bad_import_shows_the_message_next_to_the_field(agent_client, case, htmx):
    headers = htmx_headers("import-form") if htmx else {}
    response = agent_client.post(reverse("integrations:import_create", args=[case.pk]),
                                 {"text": "not a log at all"}, headers=headers)
    assert response.status_code == 422
    assert "No requests found" in response.content.decode()
    assert not EvidenceImport.objects.exists()


def test_reply_template_is_appended_with_case_facts(agent_client, case, agent):
    evidence_import_create(case=case, text=har(REUSED), by=agent)
    page_html = agent_client.get(case.get_absolute_url()).content.decode()
    template = ReplyTemplate.objects.get(key="PAGINATION_CURSOR_REUSED")
    assert f'name="template" value="{template.pk}"' in page_html
    url = reverse("integrations:reply_append", args=[case.pk])
    response = agent_client.post(url, {"template": template.pk},
                                 headers=htmx_headers("reply-draft"))
    assert response.status_code == 200
    assert f"Hi, on {case.reference} your code sends a cursor" in response.content.decode()
    plain = agent_client.post(reverse("integrations:reply_save", args=[case.pk]),
                              {"text": "Edited reply"})
    assert plain.status_code == 302
    assert ReplyDraft.objects.get(case=case).text == "Edited reply"
    assert agent_client.post(url, {}).status_code in (302, 422)


@pytest.mark.parametrize(
    "name",
    ["integrations:signature_list", "integrations:token_list", "integrations:webhook_list"],
)
def test_lead_pages_refuse_agents(agent, lead, name):
    agent_client, lead_client = Client(), Client()
    agent_client.force_login(agent)
    lead_client.force_login(lead)
    assert agent_client.get(reverse(name)).status_code == 403
    assert lead_client.get(reverse(name)).status_code == 200
    assert Client().get(reverse(name)).status_code == 302


def test_lead_creates_and_revokes_a_token_shown_once(lead_client):
    response = lead_client.post(reverse("integrations:token_list"),
                                {"name": "Zendesk", "scopes": ["cases:read", "cases:write"]})
    token = IntegrationToken.objects.get(name="Zendesk")
    html = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    shown = html.split("<pre>")[1].split("</pre>")[0]
    assert shown.startswith(f"tt_{token.prefix}_")
    assert shown not in lead_client.get(reverse("integrations:token_list")).content.decode()
    lead_client.post(reverse("integrations:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    bad = lead_client.post(reverse("integrations:token_list"), {"name": "", "scopes": []})
    assert bad.status_code == 422 and "This field is required." in bad.content.decode()


def test_lead_reads_the_delivery_log_and_replays(lead_client, agent):
    agent_client = Client()
    agent_client.force_login(agent)
    response = lead_client.post(reverse("integrations:webhook_list"), {
        "name": "Jira", "url": "https://hooks.example.com/triage",
        "events": ["case.escalated"]})
    assert response.status_code == 200 and "Signing secret" in response.content.decode()
    endpoint = WebhookEndpoint.objects.get(name="Jira")
    (delivery,) = emit("case.escalated", {"case": "CASE-000001"})
    detail = lead_client.get(reverse("integrations:webhook_detail", args=[endpoint.pk]))
    assert "case.escalated" in detail.content.decode()
    url = reverse("integrations:delivery_replay", args=[delivery.pk])
    assert agent_client.post(url).status_code == 403
    response = lead_client.post(url, headers=htmx_headers("deliveries"))
    assert response.status_code == 200 and f"replay of #{delivery.pk}" in response.content.decode()
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 1
    bad = lead_client.post(reverse("integrations:webhook_list"),
                           {"name": "x", "url": "not a url", "events": []})
    assert bad.status_code == 422 and "Enter a valid URL." in bad.content.decode()


def test_signature_library_shows_hit_counts(lead_client, case, agent):
    text = har([Call(0, "/api/v3/brokerage/accounts", status=401, body=None)]).replace(
        '"text": ""}}', '"text": "Unauthorized"}}')
    evidence_import_create(case=case, text=text, by=agent)
    html = lead_client.get(reverse("integrations:signature_list")).content.decode()
    row = html.split("Plain &#x27;Unauthorized&#x27; 401")[1].split("</tr>")[0]
    assert "<td>1</td>" in row


def test_webhook_endpoint_create_refuses_unknown_events():
    with pytest.raises(Exception, match="Choose one or more"):
        webhook_endpoint_create(name="x", url="https://x.example.com", events=["nope"])


def test_panel_queries_do_not_grow_with_imports(rf, case, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integrations.views.cases import case_panel_context

    def count() -> int:
        request = rf.get(case.get_absolute_url())
        request.user = agent
        with CaptureQueriesContext(connection) as queries:
            case_panel_context(request=request, case=case)
        return len(queries)

    evidence_import_create(case=case, text=har(REUSED), by=agent)
    one = count()
    for _ in range(3):
        evidence_import_create(case=case, text=har(REUSED), by=agent)
    assert count() == one
