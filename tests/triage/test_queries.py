"""The case page and the case list run a constant number of SQL queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.fixtures.triage import htmx_headers
from triage import services
from triage.models import ChecklistTemplate

pytestmark = pytest.mark.django_db

REST = (
    "GET /api/v3/brokerage/orders/historical/batch HTTP/1.1\nHost: api.coinbase.com\n\n"
    "HTTP/1.1 429 Too Many Requests\nx-request-id: r-{n}\ncf-ray: c-{n}\n\n{{}}"
)


def _count(client, url, **kwargs) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(case, agent, evidence: int):
    services.case_add_checklists(case=case, templates=ChecklistTemplate.objects.all(), by=agent)
    for row in case.checklist_items.select_related("item"):
        services.checklist_item_set(case_item=row, by=agent, state="pass", note="checked")
    for n in range(evidence):
        services.evidence_add(case=case, raw=REST.format(n=n), by=agent)


@pytest.mark.parametrize("headers", [{}, htmx_headers()], ids=["page", "partial"])
def test_case_page_queries_do_not_grow(agent_client, make_case, agent, other_agent,
                                       django_assert_num_queries, headers):
    small = make_case()
    services.evidence_add(case=small, raw=REST.format(n=0), by=agent)
    baseline = _count(agent_client, small.get_absolute_url(), headers=headers)

    big = make_case()
    _grow(big, agent, evidence=12)
    services.checklist_item_set(
        case_item=big.checklist_items.last(), by=other_agent, state="fail", note="other person"
    )
    assert big.checklist_items.count() == 11 and big.evidence.count() == 12
    with django_assert_num_queries(baseline):
        agent_client.get(big.get_absolute_url(), headers=headers)


@pytest.mark.parametrize("headers", [{}, htmx_headers("case-table")], ids=["page", "partial"])
def test_case_list_queries_do_not_grow(agent_client, make_case, agent, other_agent,
                                       django_assert_num_queries, headers):
    first = make_case()
    services.evidence_add(case=first, raw=REST.format(n=0), by=agent)
    url = reverse("triage:case_list") + "?scope=team"
    baseline = _count(agent_client, url, headers=headers)

    for index in range(30):
        case = make_case(assignee=other_agent if index % 2 else agent)
        if index % 3 == 0:
            _grow(case, agent, evidence=2)
    with django_assert_num_queries(baseline):
        response = agent_client.get(url, headers=headers)
    assert response.content.decode().count('<tr id="case-') == 25
    with django_assert_num_queries(baseline):
        agent_client.get(url + "&q=c-1", headers=headers)
