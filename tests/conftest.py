import pytest

pytest_plugins = [
    "tests.fixtures.worker",
    "tests.fixtures.users",
    "tests.fixtures.triage",
    "tests.fixtures.diagnostics",
    "tests.fixtures.sandbox",
    "tests.fixtures.escalations",
    "tests.fixtures.browser",
]


@pytest.fixture(autouse=True)
def _restore_seeded_data(django_db_serialized_rollback):
    """Tests on a transactional database get the migrations' seeded rows back afterwards.

    Flushing after a transactional test would otherwise drop the groups, checklists,
    scenarios and signatures that data migrations create, breaking later tests.
    """


@pytest.fixture(autouse=True)
def _media_and_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's private folder (test database file, broker folders)."""
    import os
    import shutil
    from pathlib import Path

    run_dir = Path(os.environ["VAR_DIR"])
    if run_dir.name.startswith("run-") and not hasattr(session.config, "workerinput"):
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Run the browser flows last: Playwright's event loop stays in the test thread."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))
