"""Test settings: the production settings module with a test environment around it."""

import os
import uuid
from pathlib import Path

_BASE = Path(__file__).resolve().parent.parent
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("SECURE_SSL", "0")
# One folder per test run (database file, broker folders), so parallel runs never collide.
os.environ.setdefault("VAR_DIR", str(_BASE / "var" / "test" / f"run-{os.getpid()}"))
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault(
    "DIAGNOSTICS_ALLOWED_HOSTS",
    "api.coinbase.com,advanced-trade-ws.coinbase.com,advanced-trade-ws-user.coinbase.com,"
    "127.0.0.1,localhost",
)
# Webhook retries back off from a fraction of a second, so delivery tests stay fast.
os.environ.setdefault("WEBHOOK_RETRY_BASE_SECONDS", "0.2")
# One queue per test session, so a developer's running worker never steals test tasks.
os.environ.setdefault("CELERY_TEST_QUEUE", f"test-{uuid.uuid4().hex[:8]}")

from config.settings import *  # noqa: E402,F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_TEST_QUEUE"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = os.environ.get("AXES_ENABLED", "0") == "1"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
if "postgresql" in DATABASES["default"]["ENGINE"]:  # noqa: F405
    # A test database per run (like the run's var folder), so runs never collide.
    _run = Path(os.environ["VAR_DIR"]).name.replace("-", "_")
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_run}"}  # noqa: F405
