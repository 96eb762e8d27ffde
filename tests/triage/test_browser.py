"""The case page in a real browser: htmx swaps, focus kept for keyboard users, no reloads."""

import shutil

import pytest

from tests.triage.secrets import jwt_parts, signed_jwt

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


@pytest.fixture(autouse=True, scope="module")
def _sync_orm_beside_playwright(django_db_setup):
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are sync.
    # The test database is set up before that loop starts; the flag lasts for this module.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def logged_in(page, live_server, agent):
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", agent.username)
    page.fill("#id_password", f"pw-{agent.username}-123!")
    page.click("button[type=submit]")
    page.wait_for_url("**/cases/")
    return page


def test_working_a_case_page_without_reloads(logged_in, live_server, case):
    page = logged_in
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.evaluate("window.notReloaded = true")
    row = case.checklist_items.get(item__key="auth-jwt-claims")

    page.click(f"label[for=item-{row.pk}-fail]")
    page.wait_for_selector(f"#item-{row.pk}.state-fail")
    assert "1 of 3 checked" in page.inner_text("#progress-authentication")
    assert "Verify JWT claims/headers and clock skew: Fail" in page.inner_text("#timeline")

    # Keyboard: arrow keys move the state; focus survives the swap.
    page.focus(f"#item-{row.pk}-fail")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(f"#item-{row.pk}.state-na")
    assert page.evaluate("document.activeElement.id") == f"item-{row.pk}-na"

    page.click(f"#item-{row.pk} summary")
    assert page.is_visible(f"#item-{row.pk} .guidance >> text=uri claim")

    token = signed_jwt()
    page.fill(
        "#id_raw",
        "GET /api/v3/brokerage/accounts HTTP/1.1\nHost: api.coinbase.com\n"
        f"Authorization: Bearer {token}\n\nHTTP/1.1 401 Unauthorized\n"
        "x-request-id: 3d2c1b0a-9999-4888-8777-666655554444\n\n{}",
    )
    page.click("#evidence-form button[type=submit]")
    page.wait_for_selector("text=3d2c1b0a-9999-4888-8777-666655554444")
    page.click("#evidence-panel .evidence summary >> text=Headers")
    headers = page.inner_text("#evidence-panel .headers")
    assert "[REDACTED-SIGNATURE]" in headers and jwt_parts(token)[2] not in page.content()

    page.click("#case-header button[value=diagnosing]")
    page.wait_for_selector("#case-header .badge.status-diagnosing")
    assert page.evaluate("window.notReloaded") is True
