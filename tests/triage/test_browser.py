"""The case page in a real browser: htmx swaps, focus kept for keyboard users, no reloads.

The browser is driven from its own thread (Playwright's sync API runs an event loop in the
thread that starts it), so the test's thread keeps a plain synchronous ORM.
"""

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.triage.secrets import jwt_parts, signed_jwt

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_browser(script, *args):
    """Run ``script(page, *args)`` in a fresh Chromium on a separate thread."""

    def run():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                page.set_default_timeout(10_000)
                return script(page, *args)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=120)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}-123!")
    page.click("button[type=submit]")
    page.wait_for_url("**/cases/")


def work_the_case(page, base_url, username, case_url, item_pk, token):
    log_in(page, base_url, username)
    page.goto(f"{base_url}{case_url}")
    page.evaluate("window.notReloaded = true")
    seen = {}

    page.click(f"label[for=item-{item_pk}-fail]")
    page.wait_for_selector(f"#item-{item_pk}.state-fail")
    seen["progress"] = page.inner_text("#progress-authentication")
    seen["timeline"] = page.inner_text("#timeline")

    # Keyboard: arrow keys move the state; focus survives the swap.
    page.focus(f"#item-{item_pk}-fail")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(f"#item-{item_pk}.state-na")
    seen["focus"] = page.evaluate("document.activeElement.id")

    # A note saves when the agent tabs away; focus stays on the next control.
    page.fill(f"#item-{item_pk}-note", "nbf is in the future")
    page.keyboard.press("Tab")
    page.wait_for_selector("#timeline >> text=nbf is in the future")
    seen["focus_after_note"] = page.evaluate("document.activeElement.id")

    page.click(f"#item-{item_pk} summary")
    seen["guidance_visible"] = page.is_visible(f"#item-{item_pk} .guidance >> text=uri claim")

    page.fill(
        "#id_raw",
        "GET /api/v3/brokerage/accounts HTTP/1.1\nHost: api.coinbase.com\n"
        f"Authorization: Bearer {token}\n\nHTTP/1.1 401 Unauthorized\n"
        "x-request-id: 3d2c1b0a-9999-4888-8777-666655554444\n\n{}",
    )
    page.click("#evidence-form button[type=submit]")
    page.wait_for_selector("text=3d2c1b0a-9999-4888-8777-666655554444")
    page.click("#evidence-panel .evidence summary >> text=Headers")
    seen["headers"] = page.inner_text("#evidence-panel .headers")
    seen["html"] = page.content()

    page.click("#case-header button[value=diagnosing]")
    page.wait_for_selector("#case-header .badge.status-diagnosing")
    seen["not_reloaded"] = page.evaluate("window.notReloaded")
    return seen


def test_working_a_case_page_without_reloads(live_server, agent, case):
    row = case.checklist_items.get(item__key="auth-jwt-claims")
    token = signed_jwt()
    seen = in_browser(
        work_the_case, live_server.url, agent.username, case.get_absolute_url(), row.pk, token
    )
    assert "1 of 3 checked" in seen["progress"]
    assert "Verify JWT claims/headers and clock skew: Fail" in seen["timeline"]
    assert seen["focus"] == f"item-{row.pk}-na"
    assert seen["focus_after_note"] == f"item-{row.pk}-save"
    assert seen["guidance_visible"] is True
    assert "[REDACTED-SIGNATURE]" in seen["headers"]
    assert jwt_parts(token)[2] not in seen["html"]
    assert seen["not_reloaded"] is True
    row.refresh_from_db()
    assert (row.state, row.note, row.set_by) == ("na", "nbf is in the future", agent)
    assert case.evidence.get().correlation_ids[0]["value"] == "3d2c1b0a-9999-4888-8777-666655554444"
