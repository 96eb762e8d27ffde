"""Flow 5: with JavaScript off every form still works as a full-page post."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in
from triage.models import Case

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(90),
]
REQUEST_ID = "0a1b2c3d-1234-4abc-8def-00112233aabb"


def test_case_work_without_javascript(browser, live_server, agent, shots):
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server, agent)

        # New case: the scenario guidance comes from a plain submit button instead of htmx.
        page.click("text=New case")
        page.select_option("#id_scenario", label="API keys are not working")
        page.click("text=Show guidance for this scenario")
        page.wait_for_selector("#scenario-preview >> text=Recommended checklists")
        page.fill("#id_subject", "Keys refused, customer without JS")
        page.click("#case-form button.primary")
        page.wait_for_url(re.compile(r".*/cases/\d+/$"))
        case = Case.objects.get(subject="Keys refused, customer without JS")
        row = case.checklist_items.select_related("item").get(item__key="auth-key-validity")

        # A checklist item: pick a state, Save, the whole page comes back with the progress.
        page.click(f"label[for=item-{row.pk}-fail]")
        page.fill(f"#item-{row.pk}-note", "Key shows as revoked in the customer's screenshot.")
        page.click(f"#item-{row.pk} button[type=submit]")
        page.wait_for_selector(f"#item-{row.pk}.state-fail")
        assert "1 of 3 checked" in page.inner_text("#progress-authentication")
        assert page.input_value(f"#item-{row.pk}-note").startswith("Key shows as revoked")
        row.refresh_from_db()
        assert row.state == "fail"

        # Evidence and a timeline note.
        page.fill("#id_raw", "GET /api/v3/brokerage/accounts HTTP/1.1\nHost: api.coinbase.com\n\n"
                  f"HTTP/1.1 401 Unauthorized\nx-request-id: {REQUEST_ID}\n\n{{}}")
        page.click("#evidence-form button[type=submit]")
        page.wait_for_selector(f"#evidence-panel >> text={REQUEST_ID}")
        assert not page.is_visible("#evidence-panel button.copy")  # needs JavaScript
        page.fill("#timeline textarea", "Asked the customer for the key's permissions.")
        page.click("#timeline button[type=submit]")
        page.wait_for_selector("#timeline >> text=Asked the customer for the key's permissions.")

        # Status change.
        page.click("#case-header button[value=diagnosing]")
        page.wait_for_selector("#case-header .badge.status-diagnosing")

        # The run form refuses a bad target with the error next to the field.
        page.click("#case-header >> text=Run diagnostics")
        page.click("#run-form summary >> text=Targets")
        page.fill("#id_rest_base", "ftp://example.com")
        page.click("#run-form button[type=submit]")
        page.wait_for_selector("#run-form")
        field = page.locator("#run-form [id^=id_rest_base_error], #run-form .errorlist").first
        assert "REST base" in field.inner_text()
        shots(page, "no-js-run-form-error", full_page=False)
    finally:
        context.close()
