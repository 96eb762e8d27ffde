"""Response helpers: compact JSON (the SDK matches error bodies byte for byte), the real error
bodies, and query-string parsing as the SDK sends it (capitalised booleans, repeated keys)."""

from __future__ import annotations

import json

from aiohttp import web

MISSING_SCOPES = {
    "error": "PERMISSION_DENIED",
    "error_details": "Missing required scopes",
    "message": "Missing required scopes",
}
# [U] No documented JSON 429 body; this shape follows the general error body (§2.3).
RATE_LIMITED = {
    "error": "RATE_LIMIT_EXCEEDED",
    "error_details": "Too many requests",
    "message": "Too many requests",
}
# [U] The 5xx body is not documented; gRPC-gateway style INTERNAL in the general shape.
SERVER_ERROR = {
    "error": "INTERNAL",
    "error_details": "internal error",
    "message": "internal error",
}


def dumps(data) -> str:
    return json.dumps(data, separators=(",", ":"))


def json_response(data, status: int = 200) -> web.Response:
    return web.Response(text=dumps(data), status=status, content_type="application/json")


def error(code: str, details: str, status: int = 400) -> web.Response:
    return json_response({"error": code, "error_details": details, "message": details}, status)


def unauthorized() -> web.Response:
    # The real service answers a refused JWT with the plain text body `Unauthorized`.
    return web.Response(text="Unauthorized", status=401, content_type="text/plain")


class BadRequest(Exception):
    """Raised by handlers; answered as 400 INVALID_ARGUMENT with `details`."""

    def __init__(self, details: str, code: str = "INVALID_ARGUMENT", status: int = 400):
        super().__init__(details)
        self.details = details
        self.code = code
        self.status = status


def qs_list(request: web.Request, name: str) -> list[str]:
    """A list parameter: repeated keys (`a=1&a=2`), also tolerating comma-joined values."""
    values = []
    for raw in request.query.getall(name, []):
        values.extend(v for v in raw.split(",") if v)
    return values


def qs_bool(request: web.Request, name: str, default: bool = False) -> bool:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise BadRequest(f"invalid value for {name}: {raw}")


def qs_int(request: web.Request, name: str, default: int | None = None, *,
           minimum: int = 0, maximum: int | None = None) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"invalid value for {name}: {raw}") from None
    if value < minimum:
        raise BadRequest(f"{name} must be at least {minimum}")
    if maximum is not None:
        value = min(value, maximum)
    return value


async def json_body(request: web.Request) -> dict:
    if not request.can_read_body:
        return {}
    text = await request.text()
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise BadRequest("request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    return data
