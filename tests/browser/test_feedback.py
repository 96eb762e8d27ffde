"""What the agent sees when an htmx action is refused: the reason next to the form that
failed (and at the top), cleared by the next successful request; empty states."""

from __future__ import annotations

import pytest

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(90),
]


def test_refused_paste_is_explained_next_to_the_form(agent_page, live_server, case, console):
    page = agent_page
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.evaluate("window.notReloaded = true")

    # Larger than the server accepts in one request: refused with 400, nothing swapped.
    page.fill("#id_raw", "x" * 3_000_000)
    page.click("#evidence-submit")
    inline = page.locator("#evidence-form > .request-error")
    inline.wait_for()
    assert "too large" in inline.inner_text()
    assert "too large" in page.inner_text("#messages")
    page.wait_for_function("() => !document.querySelector('[aria-busy=true]')")

    page.fill("#id_raw", "GET /api/v3/brokerage/accounts HTTP/1.1\nHost: api.coinbase.com\n\n"
              "HTTP/1.1 200 OK\nx-request-id: 11111111-2222-4333-8444-555555555555\n\n{}")
    page.click("#evidence-submit")
    page.wait_for_selector("#evidence-panel >> text=11111111-2222-4333-8444-555555555555")
    assert page.locator("#evidence-form > .request-error").count() == 0
    assert page.evaluate("window.notReloaded") is True
    assert console.csp_violations == []


def test_empty_states(agent_page, live_server):
    page = agent_page
    page.goto(f"{live_server.url}/cases/")
    assert "No cases match" in page.inner_text("#case-table")
    page.goto(f"{live_server.url}/escalations/notifications/")
    assert "No notifications." in page.inner_text("main")
