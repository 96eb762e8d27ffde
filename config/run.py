"""`make run`: migrate, seed the demo, then start web, worker and sandbox until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_PORT = os.environ.get("PORT", "8000")
SANDBOX_PORT = os.environ.get("SANDBOX_PORT", "8701")
SANDBOX_TLS_PORT = os.environ.get("SANDBOX_TLS_PORT", "8702")


def demo_environment() -> dict:
    env = dict(os.environ)
    sandbox = f"127.0.0.1:{SANDBOX_PORT}"
    env.setdefault("DEBUG", "1")
    env.setdefault("DEMO_MODE", "1")
    env.setdefault("SECURE_SSL", "0")
    env.setdefault("COINBASE_REST_BASE", f"http://{sandbox}")
    env.setdefault("COINBASE_WS_MARKET_URL", f"ws://{sandbox}/ws/market")
    env.setdefault("COINBASE_WS_USER_URL", f"ws://{sandbox}/ws/user")
    env.setdefault("SANDBOX_URL", f"http://{sandbox}")
    env.setdefault(
        "DIAGNOSTICS_ALLOWED_HOSTS",
        "api.coinbase.com,advanced-trade-ws.coinbase.com,advanced-trade-ws-user.coinbase.com,"
        "127.0.0.1,localhost",
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)


def has_command(name: str) -> bool:
    return any(ROOT.glob(f"*/management/commands/{name}.py"))


def main() -> int:
    env = demo_environment()
    print("Applying migrations…", flush=True)
    manage(env, "migrate", "--noinput")
    logins = manage(env, "seed_demo").stdout
    procs: list[subprocess.Popen] = []
    commands = [
        ("web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}", "--noreload"]),
        ("worker", [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "INFO",
                    "-c", "4", "--pool", "prefork"]),
    ]
    if has_command("run_sandbox"):
        commands.append(("sandbox", [sys.executable, "manage.py", "run_sandbox", "--port",
                                     SANDBOX_PORT, "--tls-port", SANDBOX_TLS_PORT]))
    for _name, cmd in commands:
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True))
    time.sleep(2)
    print("\n" + "=" * 64)
    print(f"  AT Triage is running: http://127.0.0.1:{WEB_PORT}/")
    print("  Demo logins (user, password):")
    print(logins.rstrip())
    if has_command("run_sandbox"):
        print(f"  Sandbox: http://127.0.0.1:{SANDBOX_PORT}/ (demo keys: GET /_sandbox/state)")
    print(f"  Health:  http://127.0.0.1:{WEB_PORT}/healthz")
    print("  Ctrl-C stops everything.")
    print("=" * 64 + "\n", flush=True)

    def stop(*_args):
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for index, ((name, cmd), proc) in enumerate(zip(commands, procs, strict=True)):
            if proc.poll() is None:
                continue
            if name == "worker":
                # A worker exits when it loses its Redis connection (a Celery 5.7 bug);
                # start a new one, as docker compose's restart policy does in production.
                print(f"worker exited with {proc.returncode}; starting a new one.", flush=True)
                time.sleep(2)
                procs[index] = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
                continue
            print(f"{name} exited with {proc.returncode}; stopping.", flush=True)
            stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
