"""The sandbox aiohttp application: one app serving REST, both WebSockets and the control API.

Request pipeline for REST (outermost first):
1. `edge` — correlation ids (`x-request-id`, `cf-ray`) on every response, one log line each.
2. `gate` — per-key faults (picked by the token's unverified `kid`), latency, JWT check for
   private routes, revoked key / IP allowlist, 429 storm, 5xx burst, rate limit, scopes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid

from aiohttp import web

from sandbox.server import (
    auth,
    control,
    rest_accounts,
    rest_orders,
    rest_products,
    ws_market,
    ws_user,
)
from sandbox.server.responses import (
    MISSING_SCOPES,
    RATE_LIMITED,
    SERVER_ERROR,
    BadRequest,
    error,
    json_response,
    unauthorized,
)
from sandbox.server.routing import REST_PREFIX, STATE
from sandbox.server.state import SandboxState
from sandbox.server.ws_hub import Hub

log = logging.getLogger("sandbox")
@web.middleware
async def edge(request: web.Request, handler):
    request_id = str(uuid.uuid4())
    cf_ray = f"{secrets.token_hex(8)}-EMU"
    request["request_id"] = request_id
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        if request.path.startswith(REST_PREFIX) and exc.status in (404, 405):
            # [U] Unknown routes answer in the general error shape.
            code = "NOT_FOUND" if exc.status == 404 else "METHOD_NOT_ALLOWED"
            response = error(code, exc.reason, exc.status)
    except BadRequest as exc:
        response = error(exc.code, exc.details, exc.status)
    except Exception:
        log.exception("sandbox error request_id=%s", request_id)
        response = json_response(SERVER_ERROR, 500)
    if not getattr(response, "prepared", False):
        response.headers["x-request-id"] = request_id
        response.headers["cf-ray"] = cf_ray
    elapsed_ms = (time.perf_counter() - started) * 1000
    if not request.path.startswith("/ws/"):
        log.info(
            "http %s %s status=%s request_id=%s cf_ray=%s kid=%s nonce=%s ip=%s ms=%.1f%s",
            request.method, request.path, response.status, request_id, cf_ray,
            request.get("kid", "-"), request.get("nonce", "-"), request.remote,
            elapsed_ms, f" auth_error={request['auth_error']!r}" if "auth_error" in request else "",
        )
    return response


@web.middleware
async def gate(request: web.Request, handler):
    route_handler = getattr(request.match_info, "handler", None)
    if not request.path.startswith(REST_PREFIX) or not hasattr(route_handler, "sandbox_scope"):
        return await handler(request)
    state = request.app[STATE]
    scope = route_handler.sandbox_scope
    token = auth.bearer_token(request.headers.get("Authorization"))
    kid = auth.peek_kid(token) if scope else None
    faults = state.faults.effective(kid)
    state.counters["rest_requests"] += 1
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    key = None
    if scope:
        if token is None:
            request["auth_error"] = "no bearer token"
            return unauthorized()
        now = state.clock(faults.clock_offset_s)
        expected_uri = f"{request.method} {request.host}{request.path}"
        try:
            info = auth.verify_token(token, keys=state.world.keys, now=now,
                                     expected_uri=expected_uri)
            auth.check_access(info.key, revoked=faults.revoked, remote_ip=request.remote,
                              ip_not_allowlisted=faults.ip_not_allowlisted)
        except auth.AuthError as exc:
            request["auth_error"] = exc.reason
            request["kid"] = exc.key_name or "-"
            state.counters["auth_failures"] += 1
            return unauthorized()
        key = info.key
        request["key"] = key
        request["kid"] = key.name
        request["nonce"] = info.nonce
    if faults.rate_limit_storm:
        state.counters["rate_limited"] += 1
        response = json_response(RATE_LIMITED, 429)
        limiter = state.private_limiter if key else state.public_limiter
        response.headers.update(limiter.exhausted().headers())
        return response
    if state.faults.consume_burst(faults):
        state.counters["server_errors"] += 1
        return json_response(SERVER_ERROR, 500)
    limiter = state.private_limiter if key else state.public_limiter
    bucket = f"key:{key.name}" if key else f"ip:{request.remote}"
    verdict = limiter.hit(bucket)
    if not verdict.allowed:
        state.counters["rate_limited"] += 1
        response = json_response(RATE_LIMITED, 429)
    elif key is not None and scope not in key.permissions:
        response = json_response(MISSING_SCOPES, 403)
    else:
        try:
            response = await handler(request)
        except BadRequest as exc:
            response = error(exc.code, exc.details, exc.status)
    response.headers.update(verdict.headers())
    return response


def build_app(state: SandboxState) -> web.Application:
    app = web.Application(middlewares=[edge, control.control_guard, gate])
    app[STATE] = state
    state.hub = Hub(state)

    async def start_feed(_app):
        state.hub.start()

    async def stop_feed(_app):
        await state.hub.stop()

    app.on_startup.append(start_feed)
    app.on_cleanup.append(stop_feed)
    rest_accounts.register(app, REST_PREFIX)
    rest_products.register(app, REST_PREFIX)
    rest_orders.register(app, REST_PREFIX)
    ws_market.register(app)
    ws_user.register(app)
    control.register(app)
    return app
