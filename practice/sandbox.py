"""Where practice talks to the sandbox: its control API and the targets diagnostics use.

Practice always runs against the local sandbox (``settings.SANDBOX_URL``), whatever the
production targets of real cases are.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


@dataclass(frozen=True)
class SandboxTargets:
    rest_base: str
    ws_market_url: str
    ws_user_url: str


def sandbox_url() -> str:
    return settings.SANDBOX_URL.rstrip("/")


def sandbox_targets() -> SandboxTargets:
    base = sandbox_url()
    parts = urlsplit(base)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    ws_base = f"{ws_scheme}://{parts.netloc}"
    return SandboxTargets(
        rest_base=base, ws_market_url=f"{ws_base}/ws/market", ws_user_url=f"{ws_base}/ws/user"
    )


def sandbox_control():
    from sandbox.client import SandboxControl

    return SandboxControl(sandbox_url())
