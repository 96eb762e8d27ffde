"""The main pages under axe-core (vendored from the npm registry) and the CSP: no serious or
critical accessibility violations, and not one Content-Security-Policy violation."""

from __future__ import annotations

import pytest

from diagnostics.models import DiagnosticRun
from escalations import services
from tests.browser.conftest import axe_violations, log_in
from tests.fixtures.escalations import all_refs

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(120),
]


@pytest.fixture
def escalated(lead, agent, escalation_case):
    return services.escalation_submit(
        case=escalation_case, by=agent, refs=all_refs(escalation_case),
        summary="Private endpoints answer 401 for this key since this morning.",
        steps_tried="Regenerated the JWT; checked the key permissions.",
        gap_reason="Customer unreachable for the remaining items.",
    ).escalation


def check(page, url: str, console, report: dict) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    found = axe_violations(page)
    if found:
        report[url] = found
    assert console.csp_violations == [], f"{url}: {console.csp_violations}"


def test_main_pages_accessible_and_csp_clean(page, browser, live_server, agent, lead,
                                             escalated, console):
    page.set_default_timeout(15_000)
    case = escalated.case
    run = DiagnosticRun.objects.filter(case=case).latest("pk")
    report: dict[str, list[str]] = {}

    check(page, f"{live_server.url}/login/", console, report)
    log_in(page, live_server, agent)
    for path in ("/cases/?scope=team", "/cases/new/", case.get_absolute_url(),
                 run.get_absolute_url(), f"/diagnostics/cases/{case.pk}/runs/new/",
                 f"/escalations/cases/{case.pk}/escalate/", escalated.get_absolute_url()):
        check(page, live_server.url + path, console, report)

    lead_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        lead_page = lead_context.new_page()
        lead_page.on("console", lambda m: console.messages.append(f"{m.type}: {m.text}"))
        log_in(lead_page, live_server, lead)
        for path in ("/escalations/queue/", "/escalations/dashboard/",
                     escalated.get_absolute_url()):
            check(lead_page, live_server.url + path, console, report)
    finally:
        lead_context.close()
    assert report == {}

    # The detector itself: an image from another origin is refused and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', "
                  "'<img alt=\"\" src=\"http://203.0.113.9/pixel.png\">')")
    page.wait_for_function("() => window.cspViolations > 0")
    assert any("img-src" in m for m in console.csp_violations), console.messages
