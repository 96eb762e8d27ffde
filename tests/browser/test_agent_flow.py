"""Flow 1: an agent works an "API keys are not working" case from the first click to the
exported escalation packet, against the live server, a real worker and the sandbox."""

from __future__ import annotations

import json
import re

import pytest

from triage.models import Case

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(150),
]
REQUEST_ID = "5f1e2d3c-aaaa-4bbb-8ccc-0123456789ab"


WATCH_BUSY = """() => {
  window.sawBusy = false;
  new MutationObserver((changes) => {
    if (changes.some((c) => c.target.getAttribute("aria-busy") === "true")) window.sawBusy = true;
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ["aria-busy"]});
}"""


def failing_exchange(token: str) -> str:
    return (
        "GET /api/v3/brokerage/accounts HTTP/1.1\n"
        "Host: api.coinbase.com\n"
        f"Authorization: Bearer {token}\n"
        "\n"
        "HTTP/1.1 401 Unauthorized\n"
        f"x-request-id: {REQUEST_ID}\n"
        "content-type: application/json\n"
        "\n"
        '{"error":"unauthorized","message":"Unauthorized"}\n'
    )


def test_agent_case_to_exported_packet(agent_page, live_server, sandbox_targets, worker_process,
                                       shots, console, tmp_path):
    page, sandbox = agent_page, sandbox_targets
    key = sandbox.control.create_key("ES256", permissions=["view"])

    # New case from the case list (empty state first).
    page.goto(f"{live_server.url}/cases/")
    assert page.get_by_text("No cases match").is_visible()
    page.click("text=New case")
    page.select_option("#id_scenario", label="API keys are not working")
    page.wait_for_selector("#scenario-preview >> text=Recommended checklists")
    page.fill("#id_subject", "API keys are not working")
    page.fill("#id_product_id", "BTC-USD")
    page.fill("#id_key_prefix", key["key_name"])  # the whole key name; only a prefix is kept
    page.fill("#id_portfolio_id", "the main one")  # bad input: the error is next to the field
    page.click("#case-form button.primary")
    page.wait_for_selector("#case-form .field-portfolio_id .field-error")
    # The keyboard is taken to the field in error once the swap settles.
    page.wait_for_function("() => document.activeElement.id === 'id_portfolio_id'")
    page.fill("#id_portfolio_id", "")
    page.click("#case-form button.primary")
    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    case = Case.objects.get(subject="API keys are not working")
    key_id = key["key_name"].rsplit("/", 1)[1]
    assert case.key_prefix and key_id.startswith(case.key_prefix)
    assert "Authentication" in page.inner_text("#checklists")

    # Checklist items: the progress bar moves without a reload.
    page.evaluate("window.notReloaded = true")
    rows = {r.item.key: r for r in case.checklist_items.select_related("item")}
    endpoints = rows["auth-endpoints"]
    page.evaluate(WATCH_BUSY)
    page.click(f"label[for=item-{endpoints.pk}-pass]")
    page.wait_for_selector(f"#item-{endpoints.pk}.state-pass")
    assert page.evaluate("window.sawBusy") is True  # the item showed it was saving
    page.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
    page.wait_for_selector("#progress-authentication >> text=1 of 3 checked")
    assert page.get_attribute("#progress-authentication progress", "value") == "1"
    claims = rows["auth-jwt-claims"]
    page.click(f"label[for=item-{claims.pk}-fail]")
    page.wait_for_selector("#progress-authentication >> text=2 of 3 checked")
    assert page.evaluate("window.notReloaded") is True

    # A failing request pasted with its headers: correlation id shown, Authorization redacted.
    token = sandbox_jwt(key)
    page.fill("#id_raw", failing_exchange(token))
    page.focus("#evidence-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#evidence-panel >> text={REQUEST_ID}")
    page.wait_for_function("() => document.activeElement.id === 'evidence-submit'")  # focus kept
    page.click("#evidence-panel .evidence summary >> text=Headers")
    headers = page.inner_text("#evidence-panel .headers")
    assert "Authorization" in headers and "[REDACTED" in headers
    assert token.rsplit(".", 1)[1] not in page.content()
    assert page.evaluate("window.notReloaded") is True

    # Copy buttons put the correlation id on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.click(f"#evidence-panel button.copy[data-copy-text='{REQUEST_ID}']")
    page.wait_for_selector("#evidence-panel button.copy >> text=Copied")
    assert page.evaluate("navigator.clipboard.readText()") == REQUEST_ID

    # Run diagnostics with the sandbox view-only key; checks finish live on the run page.
    page.click("#case-header >> text=Run diagnostics")
    page.wait_for_selector("#run-form")
    page.fill("#id_key_name", key["key_name"])
    page.fill("#id_key_secret", key["private_key"])
    page.click("#run-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/diagnostics/runs/\d+/$"))
    page.evaluate("window.notReloaded = true")
    page.wait_for_selector("#run-progress .badge.run-done", timeout=60_000)
    assert page.evaluate("window.notReloaded") is True  # updated by polling, not reloading
    progress = page.inner_text("#run-progress .run-status")
    done, total = map(int, re.search(r"(\d+) of (\d+) checks done", progress).groups())
    assert done == total > 0
    assert page.locator("#run-progress .check-card").count() == total
    assert key["private_key"].splitlines()[1] not in page.content()
    shots(page, "diagnostics-run", full_page=False)

    # Back on the case: the diagnostic's proposed states appear on the checklist.
    page.click("text=← " + case.reference)
    page.wait_for_selector("#checklists")
    rows_text = page.inner_text("#checklists")
    assert "Set by diagnostic" in rows_text or "Diagnostic says" in rows_text
    shots(page, "case-page", full_page=False)
    page.click("#case-details button.copy")
    page.wait_for_selector("#case-details button.copy >> text=Copied")
    assert page.evaluate("navigator.clipboard.readText()") == case.key_prefix

    # Escalate: tick the sample messages, submit, export Markdown and JSON.
    page.click("#case-header >> text=Escalate")
    page.wait_for_selector("#packet-form")
    boxes = page.locator("#packet-form input[name=refs]")
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.fill("#id_summary", "Every private REST call from this key answers 401 since today.")
    page.fill("#id_steps_tried", "Checked key permissions and the JWT claims with diagnostics.")
    if page.locator("#id_gap_reason").count():
        page.fill("#id_gap_reason", "The customer is unreachable for the remaining items.")
    page.click("#packet-form button.primary")
    page.wait_for_url(re.compile(r".*/escalations/\d+/$"))
    assert "submitted" in page.inner_text("#messages")

    with page.expect_download() as md_download:
        page.click("a.button >> text=MD")
    md_path = tmp_path / "packet.md"
    md_download.value.save_as(md_path)
    markdown = md_path.read_text()
    assert case.reference in markdown and REQUEST_ID in markdown
    assert token.rsplit(".", 1)[1] not in markdown
    page.click("button.copy >> text=Copy Markdown")
    page.wait_for_selector("button.copy >> text=Copied")
    assert page.evaluate("navigator.clipboard.readText()") == markdown

    with page.expect_download() as json_download:
        page.click("a.button >> text=JSON")
    json_path = tmp_path / "packet.json"
    json_download.value.save_as(json_path)
    packet = json.loads(json_path.read_text())
    assert packet["case"]["reference"] == case.reference
    assert token.rsplit(".", 1)[1] not in json_path.read_text()
    assert console.csp_violations == []


def sandbox_jwt(key: dict) -> str:
    from sandbox.client import build_jwt

    return build_jwt(key["key_name"], key["private_key"],
                     "GET api.coinbase.com/api/v3/brokerage/accounts")
