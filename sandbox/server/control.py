"""The control API under /_sandbox/: keys, balances, faults, reset, state.

Loopback callers only (or the networks given with `--control-allow`); switched off entirely
with `run_sandbox --no-control`.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal, InvalidOperation

from aiohttp import web

from sandbox.catalog import CURRENCIES, fmt
from sandbox.keys import ALGORITHMS, PERMISSIONS
from sandbox.server.faults import FaultError
from sandbox.server.responses import json_body, json_response
from sandbox.server.routing import STATE
from sandbox.world import NEW_PORTFOLIO_BALANCES


def _problem(message: str, status: int = 400) -> web.Response:
    return json_response({"error": message}, status)


@web.middleware
async def control_guard(request: web.Request, handler):
    if not request.path.startswith("/_sandbox"):
        return await handler(request)
    options = request.app[STATE].options
    if not options.control_enabled:
        return _problem("control API disabled", 404)
    try:
        remote = ipaddress.ip_address(request.remote or "")
    except ValueError:
        return _problem("forbidden", 403)
    if not any(remote in ipaddress.ip_network(net, strict=False) for net in options.control_allow):
        return _problem("control API is loopback only", 403)
    return await handler(request)


async def create_key(request: web.Request) -> web.Response:
    state = request.app[STATE]
    world = state.world
    body = await json_body(request)
    algorithm = body.get("algorithm", "ES256")
    permissions = body.get("permissions", ["view"])
    allowed_ips = body.get("allowed_ips") or []
    portfolio_ref = body.get("portfolio")
    if algorithm not in ALGORITHMS:
        return _problem(f"algorithm must be one of {', '.join(ALGORITHMS)}")
    if not isinstance(permissions, list) or not all(
            isinstance(p, str) and p in PERMISSIONS for p in permissions):
        return _problem(f"permissions must be a list drawn from {', '.join(PERMISSIONS)}")
    if not isinstance(allowed_ips, list):
        return _problem("allowed_ips must be a list of addresses or networks")
    for entry in allowed_ips:
        try:
            ipaddress.ip_network(str(entry), strict=False)
        except ValueError:
            return _problem(f"not an IP address or network: {entry}")
    if portfolio_ref is not None and not isinstance(portfolio_ref, str):
        return _problem("portfolio must be a portfolio uuid or a new portfolio's name")
    if portfolio_ref and portfolio_ref in world.portfolios:
        portfolio = world.portfolios[portfolio_ref]
    else:
        name = portfolio_ref if isinstance(portfolio_ref, str) and portfolio_ref else "Sandbox"
        portfolio = world.add_portfolio(name, world.new_uuid(), dict(NEW_PORTFOLIO_BALANCES))
    key, secret = world.add_key(algorithm=algorithm, permissions=permissions,
                                portfolio_uuid=portfolio.uuid, user_id=portfolio.user_id,
                                allowed_ips=[str(ip) for ip in allowed_ips],
                                nickname=str(body.get("nickname", "")))
    state.counters["keys_created"] += 1
    return json_response({
        "key_name": key.name,
        "private_key": secret,
        "portfolio_uuid": portfolio.uuid,
        "algorithm": algorithm,
        "permissions": sorted(key.permissions),
        "allowed_ips": key.allowed_ips,
    }, 201)


async def set_balances(request: web.Request) -> web.Response:
    world = request.app[STATE].world
    portfolio_uuid = request.match_info["portfolio_uuid"]
    if portfolio_uuid not in world.portfolios:
        return _problem("unknown portfolio", 404)
    body = await json_body(request)
    parsed = {}
    for currency, value in body.items():
        if currency not in CURRENCIES:
            return _problem(f"unknown currency: {currency}")
        try:
            parsed[currency] = Decimal(str(value))
        except InvalidOperation:
            return _problem(f"{currency}: not a number: {value}")
        if not parsed[currency].is_finite() or parsed[currency] < 0:
            return _problem(f"{currency}: must be zero or more")
    for currency, value in parsed.items():
        world.account_for(portfolio_uuid, currency).available = value
    return json_response({"portfolio_uuid": portfolio_uuid, "balances": {
        a.currency: {"available": fmt(a.available), "hold": fmt(a.hold)}
        for a in world.portfolio_accounts(portfolio_uuid)
    }})


async def set_faults(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await json_body(request)
    key_name = body.pop("key_name", None)
    if key_name is not None and (not isinstance(key_name, str)
                                 or key_name not in state.world.keys):
        return _problem("unknown key_name", 404)
    try:
        state.faults.set(body, key_name)
    except FaultError as exc:
        return _problem(str(exc))
    return json_response(state.faults.state())


async def clear_faults(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.faults.clear(request.query.get("key_name") or None)
    return json_response(state.faults.state())


async def reset(request: web.Request) -> web.Response:
    request.app[STATE].reset()
    return json_response({"reset": True})


async def show_state(request: web.Request) -> web.Response:
    state = request.app[STATE]
    world = state.world
    return json_response({
        "seed": state.options.seed,
        "info": state.info,
        "keys": [k.public_view() for k in world.keys.values()],
        "demo_keys": [{"key_name": d["key_name"], "nickname": d["nickname"],
                       "algorithm": d["algorithm"], "permissions": d["permissions"],
                       "allowed_ips": d["allowed_ips"], "portfolio_uuid": d["portfolio_uuid"]}
                      for d in world.demo_secrets],
        "portfolios": [{"uuid": p.uuid, "name": p.name, "user_id": p.user_id}
                       for p in world.portfolios.values()],
        "faults": state.faults.state(),
        "counters": dict(state.counters),
        "orders": len(world.orders),
        "fills": len(world.fills),
    })


def register(app: web.Application) -> None:
    app.router.add_post("/_sandbox/keys", create_key)
    app.router.add_put("/_sandbox/portfolios/{portfolio_uuid}/balances", set_balances)
    app.router.add_post("/_sandbox/faults", set_faults)
    app.router.add_delete("/_sandbox/faults", clear_faults)
    app.router.add_post("/_sandbox/reset", reset)
    app.router.add_get("/_sandbox/state", show_state)
