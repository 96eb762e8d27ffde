"""Fixed one-second windows: per key on private REST, per IP on public REST and WebSocket.

[U] The real limits (30/s private per key, 10/s public per IP) and the header value formats
come from secondary sources. Choice: `x-ratelimit-limit` = requests per window,
`x-ratelimit-remaining` = what is left in this window, `x-ratelimit-reset` = epoch seconds
at which the window resets.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field


@dataclass
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        # Lower-case names: the SDK reads them from a plain dict, case-sensitively.
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
        }


@dataclass
class WindowLimiter:
    limit: int
    window_s: float = 1.0
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def hit(self, bucket: str, now: float | None = None, cost: int = 1) -> Verdict:
        now = time.time() if now is None else now
        start = math.floor(now / self.window_s) * self.window_s
        window_start, used = self._windows.get(bucket, (start, 0))
        if window_start != start:
            used = 0
        used += cost
        self._windows[bucket] = (start, used)
        if len(self._windows) > 10000:
            self._prune(start)
        reset = int(math.ceil(start + self.window_s))
        return Verdict(used <= self.limit, self.limit, max(0, self.limit - used), reset)

    def exhausted(self, now: float | None = None) -> Verdict:
        """A refusal for this window without counting (the 429-storm fault)."""
        now = time.time() if now is None else now
        start = math.floor(now / self.window_s) * self.window_s
        return Verdict(False, self.limit, 0, int(math.ceil(start + self.window_s)))

    def _prune(self, current: float) -> None:
        for bucket in [b for b, (s, _) in self._windows.items() if s != current]:
            del self._windows[bucket]

    def reset(self) -> None:
        self._windows.clear()
