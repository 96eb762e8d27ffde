"""Flow 3: a team lead finds a new escalation from the notification badge, filters the queue
by finding code, asks for more information, and the agent sees the packet returned."""

from __future__ import annotations

import re

import pytest

from escalations import services
from tests.browser.conftest import log_in
from tests.fixtures.escalations import all_refs

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(90),
]


@pytest.fixture
def submitted(lead, agent, escalation_case):
    """An escalation submitted by the agent after the lead exists (so the lead is notified)."""
    return services.escalation_submit(
        case=escalation_case, by=agent, refs=all_refs(escalation_case),
        summary="Private endpoints answer 401 for this key since this morning.",
        steps_tried="Regenerated the JWT; checked the key permissions.",
        gap_reason="Customer unreachable for the remaining items.",
    ).escalation


def test_lead_reviews_and_agent_sees_it_returned(page, browser, live_server, lead, agent,
                                                 submitted, shots, console):
    page.set_default_timeout(15_000)
    log_in(page, live_server, lead)
    badge = page.locator("#escalation-badge .badge-alert")
    assert badge.inner_text() == "1"

    page.click("nav >> text=Escalations")
    page.wait_for_url(re.compile(r".*/escalations/queue/"))
    row = page.locator(f"#escalation-{submitted.pk}")
    assert submitted.case_reference in row.inner_text()
    shots(page, "lead-queue", full_page=False)

    # Filter by finding code: htmx swaps the table and keeps the URL shareable.
    page.fill("#id_code", "NOT_A_CODE_SEEN")
    page.press("#id_code", "Tab")  # the filter applies on change, like the selects
    page.wait_for_selector("#queue-table >> text=No escalations match.")
    page.fill("#id_code", "KEY_UNAUTHORIZED")
    page.press("#id_code", "Tab")
    page.wait_for_selector(f"#escalation-{submitted.pk}")
    assert "code=KEY_UNAUTHORIZED" in page.url
    assert page.locator("#queue-table tbody tr").count() == 1

    page.click(f"#escalation-{submitted.pk} a")
    page.wait_for_url(re.compile(rf".*/escalations/{submitted.pk}/$"))
    assert page.locator("#escalation-badge .badge-alert").count() == 0  # read on opening
    page.click("#review-panel button[value=request_info]")
    page.wait_for_selector("#review-panel .field-error")  # a comment is required
    page.fill("#review-panel textarea", "Please attach the customer's server time and egress IP.")
    page.click("#review-panel button[value=request_info]")
    page.wait_for_selector("#review-panel .audit >> text=Requested more information")
    assert console.csp_violations == []

    # The agent, in a browser of their own, sees the packet returned.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        agent_page = context.new_page()
        agent_page.set_default_timeout(15_000)
        log_in(agent_page, live_server, agent)
        assert agent_page.locator("#escalation-badge .badge-alert").inner_text() == "1"
        agent_page.click("#escalation-badge")
        agent_page.click(f"text={submitted.case_reference}")
        agent_page.wait_for_url(re.compile(rf".*/escalations/{submitted.pk}/$"))
        panel = agent_page.inner_text("#review-panel")
        assert "More information was requested" in panel
        assert "server time and egress IP" in panel
        agent_page.click("#review-panel >> text=Correct the packet")
        agent_page.wait_for_selector("#packet-form")
    finally:
        context.close()
