"""Replayable forms of a captured or pasted REST exchange: a curl line and an SDK snippet.

Both carry placeholders instead of credentials: curl reads a freshly minted JWT from
`$JWT`, the Python snippet builds an official-SDK `RESTClient` with a placeholder key name
and reads the secret from the environment. Headers that carry credentials or are set by
the client itself are dropped.
"""

from __future__ import annotations

import json
import shlex
from urllib.parse import parse_qsl

from integrations.evidence.entries import split_url

PLACEHOLDER_KEY_NAME = "organizations/YOUR-ORG-ID/apiKeys/YOUR-KEY-ID"
_DROP_HEADERS = {
    "authorization", "cookie", "host", "content-length", "user-agent", "accept-encoding",
    "connection", "x-cb-retry-counter",
}
_PUBLIC_PREFIX = "/api/v3/brokerage/market/"


def _body(body: str) -> str:
    body = (body or "").strip()
    return "" if body in ("", "{}") else body


def as_curl(*, method: str, url: str, headers: dict[str, str] | None = None,
            body: str = "") -> str:
    """One shell line that replays the request with a placeholder JWT."""
    method = (method or "GET").upper()
    parts = ["curl", "-sS", "-X", method, shlex.quote(url)]
    path = split_url(url).path
    if not path.startswith(_PUBLIC_PREFIX):
        parts += ["-H", '"Authorization: Bearer ${JWT}"']
    seen_content_type = False
    for name, value in (headers or {}).items():
        if name.lower() in _DROP_HEADERS or "[REDACTED" in value:
            continue
        seen_content_type |= name.lower() == "content-type"
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    payload = _body(body)
    if payload:
        if not seen_content_type:
            parts += ["-H", shlex.quote("Content-Type: application/json")]
        parts += ["--data-raw", shlex.quote(payload)]
    return " ".join(parts)


def as_python(*, method: str, url: str, body: str = "") -> str:
    """A short script calling the same endpoint through the official SDK's RESTClient."""
    method = (method or "GET").upper()
    split = split_url(url)
    params: dict[str, str | list[str]] = {}
    for key, value in parse_qsl(split.query, keep_blank_values=True):
        if key in params:
            existing = params[key]
            params[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            params[key] = value
    public = split.path.startswith(_PUBLIC_PREFIX)
    client_args = [
        f"api_key={PLACEHOLDER_KEY_NAME!r}",
        'api_secret=os.environ["COINBASE_API_SECRET"]',
    ]
    if split.netloc and split.netloc != "api.coinbase.com":
        client_args.append(f"base_url={split.netloc!r}")
    call_args = [repr(split.path or "/")]
    if params:
        call_args.append(f"params={params!r}")
    payload = _body(body)
    if payload and method != "GET":
        try:
            call_args.append(f"data={json.loads(payload)!r}")
        except ValueError:
            pass  # a body that is not JSON cannot go through the SDK's data argument
    if public and method == "GET":
        call_args.append("public=True")
    lines = [
        "import os",
        "",
        "from coinbase.rest import RESTClient",
        "",
        f"client = RESTClient({', '.join(client_args)})",
        f"response = client.{method.lower()}({', '.join(call_args)})",
        "print(response)",
    ]
    return "\n".join(lines) + "\n"
