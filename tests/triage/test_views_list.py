"""Case list and new-case pages, as full pages and as htmx partials."""

import pytest
from django.urls import reverse

from tests.fixtures.triage import htmx_headers
from triage import services
from triage.models import Case, Scenario

pytestmark = pytest.mark.django_db
LIST = reverse("triage:case_list")
NEW = reverse("triage:case_create")


def test_list_requires_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_list_full_page_shows_my_cases(agent_client, case, make_case, other_agent):
    theirs = make_case(created_by=other_agent, subject="Their case")
    response = agent_client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="case-table"' in html
    assert case.reference in html
    assert theirs.reference not in html
    team = agent_client.get(LIST, {"scope": "team"}).content.decode()
    assert theirs.reference in team and case.reference in team


def test_list_htmx_returns_only_the_table(agent_client, case):
    response = agent_client.get(LIST, {"scope": "team"}, headers=htmx_headers("case-table"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="case-table"')
    assert "<html" not in html and "<form" not in html
    assert case.reference in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "query",
    [
        lambda c: c.reference,
        lambda c: c.reference.lower().replace("case-", ""),
        lambda c: c.key_prefix[:5],
        lambda c: "zd-481",
        lambda c: "8e3f1a2b3c4d5e6f-FRA",
    ],
)
def test_search_by_reference_prefix_ticket_and_correlation_id(agent_client, case, make_case,
                                                              query):
    other = make_case(subject="Something else", key_prefix="", external_ticket="OTHER-9")
    services.evidence_add(
        case=case, raw="HTTP/1.1 500 Internal Server Error\ncf-ray: 8e3f1a2b3c4d5e6f-FRA\n\n{}"
    )
    html = agent_client.get(LIST, {"scope": "team", "q": query(case)}).content.decode()
    assert f'id="case-{case.pk}"' in html
    assert f'id="case-{other.pk}"' not in html


def test_filters_by_status_scenario_and_assignee(agent_client, case, make_case, agent,
                                                 other_agent):
    funds = make_case(scenario_slug="insufficient-funds", assignee=other_agent)
    services.case_transition(case=funds, to="diagnosing", by=agent)
    scenario = Scenario.objects.get(slug="insufficient-funds")

    def rows(**params):
        html = agent_client.get(LIST, {"scope": "team", **params}).content.decode()
        return {c.pk for c in (case, funds) if f'id="case-{c.pk}"' in html}

    assert rows(status="diagnosing") == {funds.pk}
    assert rows(scenario=scenario.pk) == {funds.pk}
    assert rows(assignee=agent.pk) == {case.pk}
    assert rows() == {case.pk, funds.pk}


def test_list_paginates(agent_client, make_case):
    for index in range(27):
        make_case(subject=f"Case {index}")
    first = agent_client.get(LIST).content.decode()
    assert first.count('<tr id="case-') == 25
    assert "Page 1 of 2" in first
    second = agent_client.get(LIST, {"page": 2}, headers=htmx_headers("case-table"))
    assert second.content.decode().count('<tr id="case-') == 2


def test_new_case_page_previews_the_first_scenario(agent_client):
    html = agent_client.get(NEW).content.decode()
    assert "<html" in html and 'id="scenario-preview"' in html
    assert "Verify the key type and permissions" in html
    assert 'for="id_key_prefix"' in html and "never the secret" in html


def test_scenario_preview_htmx_partial(agent_client):
    ws = Scenario.objects.get(slug="websocket-auth-rate-limits")
    response = agent_client.get(NEW, {"scenario": ws.pk}, headers=htmx_headers("scenario-preview"))
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="scenario-preview"')
    assert "<html" not in html
    assert "WebSocket" in html and "Authentication" in html
    assert "refresh it before it expires" in html


def test_scenario_preview_without_js_keeps_typed_values(agent_client):
    funds = Scenario.objects.get(slug="insufficient-funds")
    response = agent_client.post(
        NEW, {"scenario": funds.pk, "subject": "Buy rejected", "preview": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Query balances" in html
    assert 'value="Buy rejected"' in html
    assert not Case.objects.exists()


def _new_case_data(**overrides) -> dict:
    data = {
        "scenario": Scenario.objects.get(slug="api-keys-not-working").pk,
        "subject": "401 on every call",
        "external_ticket": "ZD-1",
        "priority": "normal",
        "environment": "production",
        "key_prefix": "9f8e7d6c",
        "portfolio_id": "6f1e2d3c-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
        "product_id": "btc-usd",
    }
    data.update(overrides)
    return data


def test_create_case_plain_post_redirects_to_the_case(agent_client, agent):
    response = agent_client.post(NEW, _new_case_data())
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    assert (case.assignee, case.product_id, case.checklist_items.count()) == (agent, "BTC-USD", 3)


def test_create_case_htmx_redirects_the_client(agent_client):
    response = agent_client.post(NEW, _new_case_data(), headers=htmx_headers("case-form"))
    assert response["HX-Redirect"] == Case.objects.get().get_absolute_url()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("portfolio_id", "not-a-uuid", "Enter the portfolio&#x27;s UUID"),
        ("product_id", "BTCUSD", "Enter a product pair like BTC-USD"),
        ("subject", "", "This field is required"),
    ],
)
def test_create_case_bad_input_shows_the_message_next_to_the_field(agent_client, field, value,
                                                                   message):
    response = agent_client.post(NEW, _new_case_data(**{field: value}))
    assert response.status_code == 422
    assert message in response.content.decode()
    partial = agent_client.post(
        NEW, _new_case_data(**{field: value}), headers=htmx_headers("case-form")
    )
    html = partial.content.decode()
    assert partial.status_code == 422 and "<html" not in html
    assert html.lstrip().startswith('<form id="case-form"') and message in html
    assert not Case.objects.exists()


def test_user_without_role_cannot_create(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.post(NEW, _new_case_data()).status_code == 403


def test_search_with_a_non_ascii_digit_is_not_a_server_error(agent_client):
    """"³" counts as a digit for str.isdigit() but not for int(): the search still answers."""
    response = agent_client.get(reverse("triage:case_list"), {"q": "CASE-³"})
    assert response.status_code == 200
