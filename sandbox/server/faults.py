"""Fault scenarios: a global set plus per-key overrides.

A per-key set applies to that key's REST calls and to WebSocket connections that subscribed
with its JWT; everything else sees the global set. A field left unset in a per-key set falls
back to the global value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

FAULT_FIELDS = {
    "clock_offset_s": float,
    "latency_ms": int,
    "rate_limit_storm": bool,
    "server_error_burst": int,
    "ws_drop_after": int,
    "ws_sequence_gap": bool,
    "ws_heartbeat_stall": bool,
    "ip_not_allowlisted": bool,
}


MAX_LATENCY_MS = 60_000
MAX_CLOCK_OFFSET_S = 7 * 86400


class FaultError(ValueError):
    pass


def _clean(name: str, value):
    kind = FAULT_FIELDS.get(name)
    if kind is None:
        raise FaultError(f"unknown fault: {name}")
    if value is None:
        return None
    if kind is bool:
        if not isinstance(value, bool):
            raise FaultError(f"{name} must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultError(f"{name} must be a number")
    if kind is int:
        if value != int(value) or value < 0:
            raise FaultError(f"{name} must be a whole number, zero or more")
        if name == "latency_ms" and value > MAX_LATENCY_MS:
            raise FaultError(f"latency_ms must be at most {MAX_LATENCY_MS}")
        return int(value)
    if abs(value) > MAX_CLOCK_OFFSET_S:
        raise FaultError(f"{name} must be within ±{MAX_CLOCK_OFFSET_S} s")
    return float(value)


@dataclass
class Faults:
    clock_offset_s: float | None = None
    latency_ms: int | None = None
    rate_limit_storm: bool | None = None
    server_error_burst: int | None = None  # remaining 5xx answers
    ws_drop_after: int | None = None
    ws_sequence_gap: bool | None = None
    ws_heartbeat_stall: bool | None = None
    ip_not_allowlisted: bool | None = None

    def update(self, values: dict) -> None:
        """Validate every value first, then apply them all (a bad one changes nothing)."""
        cleaned = {name: _clean(name, value) for name, value in values.items()}
        for name, value in cleaned.items():
            setattr(self, name, value)

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Effective:
    """The faults one request or connection sees (global merged with its key's)."""

    clock_offset_s: float = 0.0
    latency_ms: int = 0
    rate_limit_storm: bool = False
    server_error_burst: int = 0
    ws_drop_after: int = 0
    ws_sequence_gap: bool = False
    ws_heartbeat_stall: bool = False
    ip_not_allowlisted: bool = False
    revoked: bool = False
    burst_owner: Faults | None = None


@dataclass
class FaultBook:
    global_faults: Faults = field(default_factory=Faults)
    per_key: dict[str, Faults] = field(default_factory=dict)
    revoked_keys: set[str] = field(default_factory=set)

    def set(self, values: dict, key_name: str | None = None) -> None:
        values = dict(values)
        revoked = values.pop("revoked_keys", None)
        if revoked is not None and (not isinstance(revoked, list)
                                    or not all(isinstance(k, str) for k in revoked)):
            raise FaultError("revoked_keys must be a list of key names")
        cleaned = {name: _clean(name, value) for name, value in values.items()}
        target = self.global_faults if key_name is None else self.per_key.setdefault(
            key_name, Faults())
        target.update(cleaned)
        self.revoked_keys.update(revoked or [])

    def clear(self, key_name: str | None = None) -> None:
        if key_name is None:
            self.global_faults = Faults()
            self.per_key.clear()
            self.revoked_keys.clear()
        else:
            self.per_key.pop(key_name, None)
            self.revoked_keys.discard(key_name)

    def effective(self, key_name: str | None) -> Effective:
        own = self.per_key.get(key_name) if key_name else None
        result = Effective(revoked=bool(key_name) and key_name in self.revoked_keys)
        for f in fields(Faults):
            value = getattr(own, f.name) if own is not None else None
            owner = own
            if value is None:
                value, owner = getattr(self.global_faults, f.name), self.global_faults
            if value is not None:
                setattr(result, f.name, value)
                if f.name == "server_error_burst":
                    result.burst_owner = owner
        return result

    def consume_burst(self, effective: Effective) -> bool:
        """Take one 5xx from the burst that applies; False when none is left."""
        owner = effective.burst_owner
        if owner is None or not owner.server_error_burst:
            return False
        owner.server_error_burst -= 1
        return True

    def state(self) -> dict:
        return {
            "global": self.global_faults.as_dict(),
            "per_key": {k: v.as_dict() for k, v in self.per_key.items()},
            "revoked_keys": sorted(self.revoked_keys),
        }
