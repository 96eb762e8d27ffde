"""Flow 2: a WebSocket case reproduced in the browser (user channel with an expired JWT).
Flow 4: the incident radar: three cases from different key prefixes failing the same way."""

from __future__ import annotations

import re

import pytest

from diagnostics import services
from tests.browser.conftest import log_in
from tests.fixtures.diagnostics import sandbox_targets as targets_of
from tests.fixtures.diagnostics import wait_run_finished

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(120),
]


def test_websocket_case_expired_jwt_shows_ws_auth_failed(agent_page, live_server, make_case,
                                                         sandbox_targets, worker_process, shots,
                                                         console):
    page, sandbox = agent_page, sandbox_targets
    key = sandbox.control.create_key("ES256", permissions=["view"])
    case = make_case(subject="No order updates on the user channel",
                     scenario_slug="websocket-auth-rate-limits", product_id="BTC-USD")

    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.click("#case-header >> text=Run diagnostics")
    boxes = page.locator("#run-form input[name=checks]")
    for i in range(boxes.count()):
        boxes.nth(i).uncheck()
    page.check("#run-form input[name=checks][value='ws.user']")
    page.fill("#id_key_name", key["key_name"])
    page.fill("#id_key_secret", key["private_key"])
    page.click("#run-form summary >> text=More options")
    page.select_option("#id_ws_user_reproduce", "expired_jwt")
    page.click("#run-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/diagnostics/runs/\d+/$"))
    # While it runs, the check already has its place: finishing does not move the page.
    card_top = page.eval_on_selector("#run-progress .check-card",
                                     "e => e.getBoundingClientRect().top")
    page.wait_for_selector("#run-progress .badge.run-done", timeout=60_000)
    assert page.eval_on_selector("#run-progress .check-card",
                                 "e => e.getBoundingClientRect().top") == card_top

    card = page.locator("#run-progress .check-card", has_text="ws.user")
    assert "WS_AUTH_FAILED" in card.inner_text()
    assert "Fail" in card.locator(".badge").first.inner_text()
    advice = card.locator("text=Advice for the customer").locator("..").inner_text()
    assert "JWT" in advice
    shots(page, "diagnostics-ws-auth-failed", full_page=False)
    assert console.csp_violations == []


def test_incident_radar_banner_for_three_prefixes(page, live_server, lead, agent, make_case,
                                                  sandbox_targets, worker_process, shots,
                                                  console):
    sandbox = sandbox_targets
    runs = []
    for n in range(3):
        key = sandbox.control.create_key("ES256", permissions=["view"])
        case = make_case(subject=f"User channel refuses us ({n})",
                         scenario_slug="websocket-auth-rate-limits")
        runs.append(services.run_start(
            case=case, by=agent, checks=["ws.user"], key_name=key["key_name"],
            key_secret=key["private_key"], **targets_of(sandbox),
            options={"ws_user_reproduce": "expired_jwt", "ws_seconds": 1.0},
        ))
    prefixes = set()
    for run in runs:
        wait_run_finished(run, timeout=60)
        prefixes.add(run.key_prefix)
        assert "WS_AUTH_FAILED" in run.check_runs.get().codes
    assert len(prefixes) == 3

    page.set_default_timeout(15_000)
    log_in(page, live_server, lead)
    page.goto(f"{live_server.url}/escalations/queue/")
    banner = page.locator("#radar-banner .radar")
    assert banner.count() == 1
    text = banner.inner_text()
    assert "Possible incident" in text and "WS_AUTH_FAILED" in text
    assert "3 distinct key prefixes" in text
    assert banner.locator("a").count() == 3
    page.goto(f"{live_server.url}/escalations/dashboard/")
    assert "WS_AUTH_FAILED" in page.inner_text("#radar-banner")
    shots(page, "lead-radar", full_page=False)
    assert console.csp_violations == []
