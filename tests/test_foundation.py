"""The foundation: settings, health, the broker round trip through a real worker."""

import os
import subprocess
import sys
import uuid

import pytest
import yaml
from celery import Celery
from django.conf import settings
from django.urls import reverse

from config.broker import broker_settings, redis_answers
from tests.fixtures.worker import ROOT, WorkerProcess, worker_env


def _modes():
    modes = ["filesystem"]
    if os.environ.get("REDIS_URL") and redis_answers(os.environ["REDIS_URL"]):
        modes.append("redis")
    return modes


@pytest.mark.worker
@pytest.mark.parametrize("mode", _modes())
def test_task_travels_through_broker_to_separate_worker(mode, tmp_path, transactional_db):
    """A task is published, consumed by another process and its result comes back."""
    redis_url = os.environ.get("REDIS_URL", "") if mode == "redis" else ""
    folder = tmp_path / "celery"
    conf = broker_settings(redis_url, folder)
    assert conf["mode"] == mode
    queue = f"roundtrip-{uuid.uuid4().hex[:6]}"
    client = Celery("roundtrip", set_as_current=False)  # keep the project app current
    client.conf.update(
        broker_url=conf["broker_url"],
        result_backend=conf["result_backend"],
        broker_transport_options=conf["transport_options"],
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=queue,
    )
    env = worker_env(REDIS_URL=redis_url, VAR_DIR=str(tmp_path), CELERY_TEST_QUEUE=queue)
    worker = WorkerProcess(env, f"rt-{mode}", queue, tmp_path / "worker.log", concurrency=1)
    try:
        worker.wait_ready(client)
        result = client.send_task("config.echo", args=["hello"], queue=queue)
        reply = result.get(timeout=30)
    finally:
        worker.stop()
    assert reply["value"] == "hello"
    assert reply["pid"] != os.getpid()


@pytest.mark.worker
def test_healthz_reports_live_worker(client, worker_process, transactional_db):
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert any("session-worker" in name for name in body["worker"]["workers"])


def test_worker_state_is_down_without_worker(tmp_path):
    """With no worker listening on a broker, the health check reports it down."""
    from config.health import worker_state

    conf = broker_settings("", tmp_path / "celery")
    empty = Celery("nobody", broker=conf["broker_url"], set_as_current=False)
    empty.conf.broker_transport_options = conf["transport_options"]
    state = worker_state(empty, timeout=0.5)
    assert state == {"ok": False, "workers": []}


def test_celery_reliability_settings():
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert 0 < settings.CELERY_RESULT_EXPIRES <= 3600
    assert settings.CELERY_RESULT_EXTENDED is False


def test_secret_key_required_when_debug_off():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    proc = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr


def test_login_page_renders_with_vendored_htmx(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/django_htmx/htmx-2" in html
    assert "https://" not in html.split("<body")[0], "no CDN assets in <head>"


def test_demo_users_can_log_in(client, db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # idempotent
    logins = __import__("triage.demo", fromlist=["demo_logins"]).demo_logins()
    for username, password in logins.items():
        assert client.login(username=username, password=password), username
        client.logout()


def test_docker_compose_is_consistent():
    """Every service's command and file exists, and every variable set is one settings read."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    settings_source = (ROOT / "config" / "settings.py").read_text()
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if name in ("postgres", "redis"):
                continue
            assert f'"{key}"' in settings_source, f"{name}: {key} is not read by settings"
        command = service.get("command")
        if isinstance(command, list):
            command = " ".join(command)
        if command and "manage.py" in command:
            sub = command.split("manage.py", 1)[1].split()[0]
            commands = {p.stem for p in ROOT.glob("*/management/commands/*.py")}
            assert sub in commands | {"migrate", "collectstatic", "runserver"}, sub
        build = service.get("build")
        if build:
            context = build if isinstance(build, str) else build.get("context", ".")
            assert (ROOT / context).exists()
            dockerfile = ROOT / "Dockerfile"
            assert dockerfile.exists()


def test_every_environment_variable_is_documented_in_readme():
    import re

    source = (ROOT / "config" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    assert names, "settings read the environment"
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"not in README's settings table: {missing}"


def test_readme_finding_codes_table_matches_the_code_table():
    from diagnostics.codes import markdown_table

    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- finding-codes:start -->")[1].split("<!-- finding-codes:end -->")[0]
    expected = [line for line in markdown_table().splitlines() if line.startswith("|")]
    assert block.strip().splitlines() == expected
