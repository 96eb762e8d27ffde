"""An agent cannot type a target that bypasses the outbound allow-list.

The URLs go where an agent types them: the run form's REST base and WebSocket fields. A
real worker, started with the production allow-list (the three Coinbase hosts only), runs
the reachability checks. A listener on 127.0.0.1 counts connections: hostile spellings of
loopback, metadata addresses, private ranges and look-alike names must reach nothing. The
form refuses what is not an http(s)/ws(s) URL outright; everything else reaches the worker
and is refused there with a clear finding. (The network layer's own tests, with rebinding
and redirects, are in tests/diagnostics/test_net_ssrf.py.)
"""

from __future__ import annotations

import socket
import threading
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from config.celery import app
from diagnostics.models import DiagnosticRun
from tests.diagnostics.test_net_ssrf import PROD, hostile_urls
from tests.fixtures.diagnostics import make_case, wait_run_finished
from tests.fixtures.worker import WorkerProcess, worker_env

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(180),
]


class CountingListener:
    """A TCP listener on 127.0.0.1 that counts every accepted connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def stop(self):
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = CountingListener()
    yield server
    server.stop()


@pytest.fixture
def production_allow_list_worker(tmp_path, settings):
    queue = f"ssrf-{uuid.uuid4().hex[:8]}"
    settings.DIAGNOSTICS_QUEUE = queue
    settings.DIAGNOSTICS_ALLOWED_HOSTS = list(PROD)
    env = worker_env(DIAGNOSTICS_QUEUE=queue, DIAGNOSTICS_ALLOWED_HOSTS=",".join(PROD),
                     DIAGNOSTICS_PRIVATE_HOSTS="")
    worker = WorkerProcess(env, f"ssrf-{queue}", queue, tmp_path / "worker.log", concurrency=4)
    try:
        worker.wait_ready(app)
        yield worker
    finally:
        worker.stop()


def ws_form_of(url: str) -> str:
    return url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def test_hostile_targets_typed_into_the_run_form_reach_nothing(
        production_allow_list_worker, listener, agent):
    client = Client()
    client.force_login(agent)
    case = make_case(by=agent)
    url = reverse("diagnostics:run_create", args=[case.pk])
    started, refused_by_form = [], []
    targets = hostile_urls(listener.port)
    assert len(targets) >= 20
    for target in targets:
        response = client.post(url, {
            "checks": ["reach.rest", "reach.ws_market", "reach.ws_user"], "action": "view",
            "rest_base": target, "ws_market_url": ws_form_of(target),
            "ws_user_url": ws_form_of(target),
        })
        if response.status_code == 302:
            started.append((target, DiagnosticRun.objects.filter(case=case).latest("pk")))
        else:
            assert response.status_code == 422, (target, response.status_code)
            assert b"errorlist" in response.content or b'role="alert"' in response.content
            refused_by_form.append(target)
    assert len(started) >= 20, "most hostile targets pass the form and reach the worker"
    for target, run in started:
        run = wait_run_finished(run, timeout=60)
        assert run.status == DiagnosticRun.Status.DONE, (target, run.failure_reason)
        for check in run.check_runs.all():
            assert check.status != "pass", (target, check.check_id, check.summary)
            assert check.codes, (target, check.check_id)
    assert listener.accepted == 0, "a hostile target was connected to"
    # The same listener is reachable when it is allowed, so zero above means "refused".
    with socket.create_connection(("127.0.0.1", listener.port), timeout=2):
        pass
    threading.Event().wait(0.5)
    assert listener.accepted == 1
