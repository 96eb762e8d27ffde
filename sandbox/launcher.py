"""Start `manage.py run_sandbox` as a subprocess on free ports and wait until it answers.

Used by the test fixture (`tests/fixtures/sandbox.py`) and the benchmark; anything that needs a
private sandbox of its own (e.g. with different flags) can call `start_sandbox`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from sandbox.client import SandboxControl

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SandboxServer:
    port: int
    tls_port: int
    ca_path: str
    log_path: Path
    process: subprocess.Popen
    control: SandboxControl

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def tls_host(self) -> str:
        return f"localhost:{self.tls_port}"

    @property
    def ws_market_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/market"

    @property
    def ws_user_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/user"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_sandbox(folder: Path, *extra_args: str, seed: int = 7, timeout: float = 30,
                  settings_module: str | None = None) -> SandboxServer:
    """Start one sandbox in `folder` (log, TLS files, demo keys) and wait until it answers."""
    folder.mkdir(parents=True, exist_ok=True)
    port, tls_port = free_port(), free_port()
    log_path = folder / "sandbox.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
    args = [
        sys.executable, "manage.py", "run_sandbox", "--host", "127.0.0.1",
        "--port", str(port), "--tls-port", str(tls_port), "--seed", str(seed),
        "--log-file", str(log_path), "--tls-dir", str(folder / "tls"),
        "--demo-keys-file", str(folder / "demo-keys.json"), *extra_args,
    ]
    with open(folder / "stdout.txt", "w") as stdout:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=stdout,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = SandboxServer(port, tls_port, str(folder / "tls" / "ca.pem"), log_path, process,
                           SandboxControl(f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("sandbox exited early:\n" + (folder / "stdout.txt").read_text())
        try:
            # Any HTTP answer means it is up (the control API may be switched off: 404).
            requests.get(f"{server.base_url}/_sandbox/state", timeout=1)
            return server
        except requests.RequestException:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("sandbox did not answer in time:\n" + (folder / "stdout.txt").read_text())
