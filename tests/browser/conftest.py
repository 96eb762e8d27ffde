"""End-to-end flows in headless Chromium against a live server, a real worker and the sandbox.

Debian's Chromium is driven by Playwright (its own browser download is not used). Without
Chromium the whole folder is skipped with one line at the end of the report.

Screenshots go to docs/screenshots/ when SCREENSHOTS=1 (`make screenshots`), else to a
temporary folder, so an ordinary test run never touches the committed images.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def _chromium() -> str:
    """Debian's Chromium, or the binary named by CHROMIUM_PATH."""
    candidates = [os.environ["CHROMIUM_PATH"]] if "CHROMIUM_PATH" in os.environ else [
        "/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "",
    ]
    return next((path for path in candidates if path and os.path.exists(path)), "")


CHROMIUM = _chromium()
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
AXE_JS = ROOT / "static" / "vendor" / "axe" / "axe.min.js"
PASSWORD = "pw-{}-123!"  # tests.fixtures.users.make_user

if not CHROMIUM:
    collect_ignore_glob = ["test_*.py"]

# Playwright's sync API runs an event loop in this thread while the tests call the ORM.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_terminal_summary(terminalreporter):
    if not CHROMIUM:
        terminalreporter.write_line(
            "tests/browser: SKIPPED, Chromium is not installed (apt-get install chromium)"
        )


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900},
            "accept_downloads": True}


# --- diagnostics against the sandbox ------------------------------------------------------


@pytest.fixture
def sandbox_targets(settings, sandbox):
    """The run form's target fields default to the sandbox; runs store their targets, so
    the worker subprocess connects where the run says."""
    settings.COINBASE_REST_BASE = sandbox.base_url
    settings.COINBASE_WS_MARKET_URL = sandbox.ws_market_url
    settings.COINBASE_WS_USER_URL = sandbox.ws_user_url
    return sandbox


# --- screenshots ---------------------------------------------------------------------------


@pytest.fixture
def shots(tmp_path):
    """shots(page, "name") saves name.png: into docs/screenshots/ under SCREENSHOTS=1."""
    folder = SCREENSHOT_DIR if os.environ.get("SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


# --- console and CSP -----------------------------------------------------------------------


CSP_PATTERN = re.compile(r"Content Security Policy|Refused to (execute|apply|load|connect)", re.I)


@dataclass
class Console:
    messages: list[str] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if CSP_PATTERN.search(m)]

    @property
    def errors(self) -> list[str]:
        return [m for m in self.messages if m.startswith("error:")]


@pytest.fixture
def console(page):
    """Every console message and page error of the test's page, for the CSP assertions."""
    seen = Console()
    page.on("console", lambda msg: seen.messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: seen.messages.append(f"error: {exc}"))
    page.add_init_script(
        "window.cspViolations = 0; document.addEventListener('securitypolicyviolation', e => {"
        " window.cspViolations += 1; console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI); });"
    )
    return seen


# --- logging in ----------------------------------------------------------------------------


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD.format(user.username))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/.*"))


@pytest.fixture
def agent_page(page, live_server, agent, console):
    page.set_default_timeout(15_000)
    log_in(page, live_server, agent)
    return page


# --- accessibility -------------------------------------------------------------------------


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """Run the vendored axe-core on the page; one line per serious/critical violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:4])
        for v in results if v.get("impact") in impacts
    ]
