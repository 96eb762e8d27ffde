"""Start the sandbox: one event loop, the plain port and optionally a TLS port, same app."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from pathlib import Path

from aiohttp import web

from sandbox.server import tls
from sandbox.server.app import build_app
from sandbox.server.state import Options, SandboxState

log = logging.getLogger("sandbox")


def configure_logging(log_file: Path | None) -> None:
    from config.logging import RedactingFilter

    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file))
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
    logger = logging.getLogger("sandbox")
    logger.handlers[:] = handlers
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def write_demo_keys(state: SandboxState, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"keys": state.world.demo_secrets}, handle, indent=2)
    os.chmod(path, 0o600)


async def serve(*, host: str, port: int, tls_port: int | None, tls_dir: Path,
                options: Options, faults: dict, revoked: list[str], demo_keys_path: Path,
                announce) -> None:
    state = SandboxState.create(options)
    if faults or revoked:
        state.faults.set({**faults, **({"revoked_keys": revoked} if revoked else {})})
    write_demo_keys(state, demo_keys_path)
    app = build_app(state)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port, reuse_address=True).start()
    state.info.update(plain=f"http://{host}:{port}", demo_keys_file=str(demo_keys_path))
    if tls_port:
        ca_path, cert_path, key_path = tls.ensure_certificates(tls_dir)
        site = web.TCPSite(runner, host, tls_port, ssl_context=tls.server_context(
            cert_path, key_path), reuse_address=True)
        await site.start()
        state.info.update(tls=f"https://localhost:{tls_port}", ca_path=str(ca_path))
    announce(state)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("sandbox stopping")
    await runner.cleanup()
