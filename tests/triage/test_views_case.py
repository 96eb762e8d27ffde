"""The case page and its actions, as full pages, htmx partials and plain form posts."""

import pytest
from django.urls import NoReverseMatch, reverse

from tests.fixtures.triage import htmx_headers
from tests.triage.secrets import jwt_parts, signed_jwt
from triage import services
from triage.models import Case, ChecklistTemplate

pytestmark = pytest.mark.django_db


def _row(case, key):
    return case.checklist_items.select_related("item").get(item__key=key)


def test_case_page_full(agent_client, case):
    response = agent_client.get(case.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    for part in ('id="case-header"', 'id="checklists"', 'id="evidence-panel"', 'id="timeline"',
                 'id="case-details"', 'id="progress-authentication"'):
        assert part in html
    assert "Verify JWT claims/headers and clock skew" in html
    assert ">How to check</summary>" in html
    assert '<label for="item-' in html
    assert "0 of 3 checked" in html


def test_action_buttons_render_only_when_their_pages_exist(agent_client, case):
    html = agent_client.get(case.get_absolute_url()).content.decode()
    for name, label in (("diagnostics:run_create", "Run diagnostics"),
                        ("escalations:packet_builder", "Escalate")):
        try:
            url = reverse(name, args=[case.pk])
        except NoReverseMatch:
            assert label not in html
        else:
            assert f'href="{url}"' in html and label in html


@pytest.mark.parametrize(
    "target", ["case-header", "case-details", "checklists", "evidence-panel", "timeline"]
)
def test_case_page_partials_by_target(agent_client, case, target):
    response = agent_client.get(case.get_absolute_url(), headers=htmx_headers(target))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().split(">", 1)[0].find(f'id="{target}"') > 0


def test_case_page_htmx_without_target_is_the_workspace(agent_client, case):
    html = agent_client.get(case.get_absolute_url(), headers=htmx_headers()).content.decode()
    assert html.lstrip().startswith('<div id="case-workspace"') and "<html" not in html


def test_missing_case_is_404(agent_client):
    assert agent_client.get(reverse("triage:case_detail", args=[999999])).status_code == 404


def test_item_update_htmx_swaps_item_progress_and_timeline(agent_client, case, agent):
    row = _row(case, "auth-jwt-claims")
    url = reverse("triage:checklist_item_update", args=[case.pk, row.pk])
    response = agent_client.post(
        url, {"state": "fail", "note": "exp - nbf is 600 s"}, headers=htmx_headers(f"item-{row.pk}")
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<li id="item-{row.pk}" class="item state-fail">')
    assert 'id="progress-authentication" class="progress" hx-swap-oob="true"' in html
    assert "1 of 3 checked" in html and "1 failing" in html
    assert 'id="timeline" class="card" aria-labelledby="timeline-title" hx-swap-oob="true"' in html
    assert 'id="checklists"' not in html
    row.refresh_from_db()
    assert (row.state, row.note, row.set_by) == ("fail", "exp - nbf is 600 s", agent)


def test_item_update_plain_post_redirects_back_to_the_item(agent_client, case):
    row = _row(case, "auth-key-validity")
    url = reverse("triage:checklist_item_update", args=[case.pk, row.pk])
    response = agent_client.post(url, {"state": "pass", "note": ""})
    assert response.status_code == 302
    assert response.url == f"{case.get_absolute_url()}#item-{row.pk}"
    assert _row(case, "auth-key-validity").state == "pass"


def test_item_update_bad_state(agent_client, case):
    row = _row(case, "auth-key-validity")
    url = reverse("triage:checklist_item_update", args=[case.pk, row.pk])
    response = agent_client.post(url, {"state": "maybe"}, headers=htmx_headers())
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    follow = agent_client.post(url, {"state": "maybe"}, follow=True)
    assert "could not be saved" in follow.content.decode()
    assert _row(case, "auth-key-validity").state == "pending"


def test_item_of_another_case_is_404(agent_client, case, make_case):
    other = make_case()
    row = other.checklist_items.first()
    url = reverse("triage:checklist_item_update", args=[case.pk, row.pk])
    assert agent_client.post(url, {"state": "pass"}).status_code == 404


def test_item_shows_a_diagnostic_proposal_beside_the_agents_state(agent_client, case, agent):
    row = _row(case, "auth-jwt-claims")
    services.checklist_item_set(case_item=row, by=agent, state="pass")
    services.checklist_propose(case=case, check_id="jwt.clock_skew", state="fail",
                               note="clock 312 s ahead", run_id=4)
    html = agent_client.get(case.get_absolute_url()).content.decode()
    assert "Diagnostic says" in html and "clock 312 s ahead" in html


def test_case_update_htmx_and_plain(agent_client, case):
    url = reverse("triage:case_update", args=[case.pk])
    data = {"subject": case.subject, "priority": "urgent", "environment": "sandbox",
            "product_id": "eth-usd", "portfolio_id": "", "key_prefix": "9f8e7d6c"}
    response = agent_client.post(url, data, headers=htmx_headers("case-details"))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="case-details"')
    assert 'id="case-header" class="card case-header" hx-swap-oob="true"' in html
    case.refresh_from_db()
    assert (case.priority, case.environment, case.product_id) == ("urgent", "sandbox", "ETH-USD")
    bad = agent_client.post(url, {**data, "portfolio_id": "nope"}, headers=htmx_headers())
    assert bad.status_code == 422 and "Enter the portfolio" in bad.content.decode()
    plain = agent_client.post(url, {**data, "priority": "low"})
    assert plain.status_code == 302
    plain_bad = agent_client.post(url, {**data, "product_id": "x"})
    assert plain_bad.status_code == 422 and "<html" in plain_bad.content.decode()


def test_transition_htmx_plain_and_refused(agent_client, case):
    url = reverse("triage:case_transition", args=[case.pk])
    response = agent_client.post(url, {"to": "diagnosing"}, headers=htmx_headers("case-header"))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<header id="case-header"') and "Diagnosing" in html
    refused = agent_client.post(url, {"to": "diagnosing"}, headers=htmx_headers())
    assert refused.status_code == 422 and "already Diagnosing" in refused.content.decode()
    plain = agent_client.post(url, {"to": "resolved", "reason": "fixed clock"}, follow=True)
    assert "is now Resolved" in plain.content.decode()
    assert Case.objects.get(pk=case.pk).status == "resolved"


def test_note_htmx_and_plain(agent_client, case):
    url = reverse("triage:case_note_create", args=[case.pk])
    response = agent_client.post(url, {"text": "Customer on a VM"}, headers=htmx_headers())
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="timeline"') and "Customer on a VM" in html
    empty = agent_client.post(url, {"text": ""}, headers=htmx_headers())
    assert empty.status_code == 422 and "This field is required" in empty.content.decode()
    assert agent_client.post(url, {"text": "again"}).status_code == 302


def test_checklist_add_htmx_and_plain(agent_client, case):
    url = reverse("triage:checklist_add", args=[case.pk])
    ws = ChecklistTemplate.objects.get(slug="websocket")
    response = agent_client.post(url, {"template": ws.pk}, headers=htmx_headers("checklists"))
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="checklists"') and "<html" not in html
    assert 'id="checklist-websocket"' in html
    again = agent_client.post(url, {"template": ws.pk}, headers=htmx_headers())
    assert again.status_code == 422
    funds = ChecklistTemplate.objects.get(slug="orders-balances")
    assert agent_client.post(url, {"template": funds.pk}).status_code == 302
    assert case.checklist_items.count() == 9


def test_evidence_htmx_shows_correlation_and_redaction(agent_client, case):
    token = signed_jwt()
    raw = (
        "GET /api/v3/brokerage/accounts HTTP/1.1\nHost: api.coinbase.com\n"
        f"Authorization: Bearer {token}\n\nHTTP/1.1 401 Unauthorized\n"
        "x-request-id: 0a0b0c0d-1111-2222-3333-444455556666\n\n{}"
    )
    url = reverse("triage:evidence_create", args=[case.pk])
    response = agent_client.post(url, {"raw": raw, "kind": ""}, headers=htmx_headers())
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="evidence-panel"')
    assert "0a0b0c0d-1111-2222-3333-444455556666" in html
    assert "[REDACTED-SIGNATURE]" in html and jwt_parts(token)[2] not in html
    assert 'id="timeline" class="card" aria-labelledby="timeline-title" hx-swap-oob="true"' in html


def test_evidence_errors_are_shown_next_to_the_field(agent_client, case, settings):
    url = reverse("triage:evidence_create", args=[case.pk])
    empty = agent_client.post(url, {"raw": ""}, headers=htmx_headers())
    assert empty.status_code == 422 and "Paste the request" in empty.content.decode()
    bad = agent_client.post(url, {"raw": "{oops", "kind": "json"})
    assert bad.status_code == 422 and "not valid JSON" in bad.content.decode()
    settings.TRIAGE_EVIDENCE_MAX_BYTES = 2048
    huge = agent_client.post(url, {"raw": "z" * 10_000}, headers=htmx_headers())
    assert huge.status_code == 422 and "the limit is 2 KB" in huge.content.decode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    beyond = agent_client.post(url, {"raw": "z" * 10_000}, headers=htmx_headers())
    assert beyond.status_code == 422 and "far too large" in beyond.content.decode()
    assert not case.evidence.exists()


def test_evidence_plain_post_redirects(agent_client, case):
    url = reverse("triage:evidence_create", args=[case.pk])
    response = agent_client.post(url, {"raw": '{"error": "INVALID_ARGUMENT"}'})
    assert response.status_code == 302 and response.url.endswith("#evidence-panel")
    assert case.evidence.get().kind == "json"


def test_paste_beyond_the_upload_limit_gets_a_readable_400(case, agent, settings):
    from django.test import Client

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    client.get(case.get_absolute_url())
    token = client.cookies["csrftoken"].value
    url = reverse("triage:evidence_create", args=[case.pk])
    response = client.post(url, {"raw": "z" * 10_000}, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "paste only the failing request" in response.content.decode()
