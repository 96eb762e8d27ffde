"""The module's "collect before escalating" list as a completeness meter.

Each item is checked against the packet document itself, so what the meter says is
present is exactly what engineers receive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PRESENT = "present"
MISSING = "missing"
NOT_APPLICABLE = "not_applicable"

WEBSOCKET_SCENARIO_HINTS = ("websocket", "ws")


@dataclass(frozen=True)
class CollectCheck:
    key: str
    group: int  # 1..3: the module's three collect bullets
    label: str
    test: Callable[[dict], str]


def _field(path: tuple[str, ...]):
    def test(doc: dict) -> str:
        value = doc
        for part in path:
            value = (value or {}).get(part)
        return PRESENT if value else MISSING

    return test


def _full_exchange(doc: dict) -> str:
    for exchange in doc.get("rest_exchanges", []):
        if (
            exchange.get("method")
            and exchange.get("url")
            and exchange.get("status")
            and exchange.get("request_headers")
            and exchange.get("response_headers")
        ):
            return PRESENT
    return MISSING


def _ws_applies(doc: dict) -> bool:
    scenario = (doc.get("case", {}).get("scenario") or "").lower()
    return bool(doc.get("websocket")) or any(h in scenario for h in WEBSOCKET_SCENARIO_HINTS)


def _ws(part: str):
    def test(doc: dict) -> str:
        if not _ws_applies(doc):
            return NOT_APPLICABLE
        ws = doc.get("websocket") or {}
        if part == "jwt_issued_at":
            endpoint = ws.get("endpoint", "")
            needs_jwt = "user" in endpoint or "user" in ws.get("channels", [])
            if not needs_jwt and ws:
                return NOT_APPLICABLE
        return PRESENT if ws.get(part) else MISSING

    return test


CHECKS: list[CollectCheck] = [
    CollectCheck(
        "key_prefix", 1, "API key prefix (not the secret)", _field(("context", "key_prefix"))
    ),
    CollectCheck("portfolio_id", 1, "Portfolio ID", _field(("context", "portfolio_id"))),
    CollectCheck("product_pair", 1, "Product pair", _field(("context", "product_id"))),
    CollectCheck("rest_exchange", 2, "Full REST request and response with headers", _full_exchange),
    CollectCheck("correlation_ids", 2, "Correlation IDs", _field(("correlation_ids",))),
    CollectCheck("timestamps", 2, "Approximate timestamps (UTC)", _field(("time_range", "first"))),
    CollectCheck("ws_endpoint", 3, "WebSocket endpoint used", _ws("endpoint")),
    CollectCheck("ws_channels", 3, "WebSocket channels", _ws("channels")),
    CollectCheck("jwt_issued_at", 3, "JWT issuance time", _ws("jwt_issued_at")),
    CollectCheck("ws_samples", 3, "Sample WebSocket messages", _ws("messages")),
]


def completeness_evaluate(
    document: dict,
    *,
    gap_reason: str = "",
    group_titles: dict[int, str] | None = None,
    labels: dict[str, str] | None = None,
) -> dict:
    """Score the document against the collect list; `missing` lists what is still needed.

    `labels` are the collect items' labels from the knowledge rows, by key.
    """
    items = []
    for check in CHECKS:
        items.append(
            {
                "key": check.key,
                "group": check.group,
                "group_title": (group_titles or {}).get(check.group, ""),
                "label": (labels or {}).get(check.key) or check.label,
                "state": check.test(document),
            }
        )
    required = [i for i in items if i["state"] != NOT_APPLICABLE]
    present = [i for i in required if i["state"] == PRESENT]
    return {
        "items": items,
        "present": len(present),
        "required": len(required),
        "percent": round(100 * len(present) / len(required)) if required else 100,
        "missing": [i["label"] for i in required if i["state"] == MISSING],
        "gap_reason": gap_reason or "",
    }


def completeness_gaps_need_reason(meter: dict) -> bool:
    return bool(meter["missing"]) and not meter["gap_reason"].strip()
