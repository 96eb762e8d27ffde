"""The outbound HTTP client for diagnostics.

One request per connection, to a validated and pinned address (see `targets`), with
connect and read time bounded by the caller's deadline; redirects are reported, never
followed; no proxy settings are consulted. Every call yields an `Exchange` whose headers
and body are already redacted.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from diagnostics.checks.base import Exchange
from diagnostics.net.targets import (
    ConnectFailed,
    ConnectReport,
    TargetRefused,
    open_connection,
    parse_target,
)
from triage.redaction import redact_headers, redact_text

MAX_BODY = 2 * 1024 * 1024
EXCERPT = 2000
USER_AGENT = "coinbase-triage-diagnostics/1.0"
CORRELATION_HEADERS = ("x-request-id", "cf-ray", "x-correlation-id", "x-amzn-trace-id")
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@dataclass
class HttpResult:
    """A response (or a failure before one). `exchange` is the redacted evidence."""

    exchange: Exchange
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error_code: str = ""  # HOST_NOT_ALLOWED, DNS_FAILED, TCP_FAILED, TLS_FAILED, CHECK_TIMEOUT
    error: str = ""
    connect: ConnectReport | None = None
    redirect_to: str = ""
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def json(self):
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def rate_limit(self) -> dict[str, str]:
        return {name: self.headers[name] for name in RATE_HEADERS if name in self.headers}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _excerpt(body: bytes) -> str:
    text = body[: EXCERPT * 2].decode("utf-8", "replace")
    return redact_text(text[:EXCERPT])


def _headers_dict(pairs) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def request(
    method: str,
    url: str,
    *,
    deadline: float,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    read_timeout: float = 10.0,
) -> HttpResult:
    """Send one request. Never raises for network problems: they come back in the result.

    `deadline` is a time.monotonic() value; connect and read both end by then.
    """
    started_at = _now_iso()
    started = time.monotonic()
    sent_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    sent_headers.update(headers or {})
    if body is not None:
        sent_headers.setdefault("Content-Type", "application/json")

    def evidence(status=None, response_headers=None, raw=b"", error="") -> Exchange:
        response_headers = response_headers or {}
        return Exchange(
            method=method.upper(),
            url=redact_text(url),
            request_headers=redact_headers(dict(sent_headers)),
            status=status,
            response_headers=redact_headers(response_headers),
            body_excerpt=_excerpt(raw),
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            correlation_ids={h: response_headers[h] for h in CORRELATION_HEADERS
                             if h in response_headers},
            started_at=started_at,
            request_body=_excerpt(body or b""),
            error=redact_text(error),
        )

    try:
        target = parse_target(url, schemes=("http", "https"))
        sock, report = open_connection(target, deadline)
    except TargetRefused as exc:
        return HttpResult(evidence(error=str(exc)), error_code=exc.code, error=str(exc))
    except ConnectFailed as exc:
        return HttpResult(evidence(error=str(exc)), error_code=exc.code, error=str(exc),
                          connect=exc.report)

    conn = http.client.HTTPConnection(target.host, target.port)
    conn.set_debuglevel(0)  # a global http.client debuglevel would print Authorization
    conn.sock = sock  # already connected to the validated address (and TLS-wrapped)
    status, response_headers, raw, truncated, error, code = None, {}, b"", False, "", ""
    try:
        sock.settimeout(max(0.05, min(read_timeout, deadline - time.monotonic())))
        conn.putrequest(method.upper(), target.path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", target.netloc)
        for name, value in sent_headers.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        status = response.status
        response_headers = _headers_dict(response.getheaders())
        chunks, size = [], 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("deadline reached while reading the body")
            sock.settimeout(max(0.05, min(read_timeout, remaining)))
            chunk = response.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY:
                truncated = True
                break
        raw = b"".join(chunks)[:MAX_BODY]
    except TimeoutError:
        error, code = "the server did not answer before the deadline", "CHECK_TIMEOUT"
    except (OSError, http.client.HTTPException) as exc:
        error, code = f"connection error: {type(exc).__name__}", "TCP_FAILED"
    finally:
        conn.close()
    result = HttpResult(
        evidence(status, response_headers, raw, error),
        status=status,
        headers=response_headers,
        body=raw,
        error_code=code,
        error=error,
        connect=report,
        truncated=truncated,
    )
    if status is not None and 300 <= status < 400:
        result.redirect_to = redact_text(response_headers.get("location", ""))
        result.exchange.error = f"redirect to {result.redirect_to or '(no location)'} not followed"
    return result


# --- pacing and backoff --------------------------------------------------------------

# Documented limits: 30 private requests a second per key, 10 public a second per IP.
# Diagnostics stay well under them: at most 15 and 5 a second from one process.
PRIVATE_INTERVAL = 1 / 15
PUBLIC_INTERVAL = 1 / 5


class Pacer:
    """Spaces calls that share a bucket (one key, or public calls to one host)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, bucket: str, interval: float, deadline: float) -> float:
        """Sleep until this bucket may send again; returns the seconds waited."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(bucket, 0.0))
            self._next[bucket] = slot + interval
        delay = min(slot - now, max(0.0, deadline - now))
        if delay > 0:
            time.sleep(delay)
        return max(0.0, delay)


PACER = Pacer()


def backoff_delay(attempt: int, *, base: float = 0.25, cap: float = 4.0,
                  retry_after: str | None = None, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter; a Retry-After (seconds) sets the floor."""
    rng = rng or random
    delay = rng.uniform(0, min(cap, base * (2**attempt)))
    if retry_after:
        try:
            delay = max(delay, min(float(retry_after), cap * 4))
        except ValueError:
            pass
    return delay
