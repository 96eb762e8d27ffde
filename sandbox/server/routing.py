"""Shared routing marks: the app key for the state and the private/public handler decorators."""

from __future__ import annotations

from aiohttp import web

from sandbox.server.state import SandboxState

STATE = web.AppKey("state", SandboxState)
REST_PREFIX = "/api/v3/brokerage"


def private(scope: str):
    """Mark a REST handler as private, needing `scope` (view, trade or transfer)."""

    def mark(handler):
        handler.sandbox_scope = scope
        return handler

    return mark


def public(handler):
    """Mark a REST handler as public: no JWT, per-IP rate limit."""
    handler.sandbox_scope = None
    return handler
