"""balances (available, hold and the open orders behind it) and orders.history (walking the
cursor to its end)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from diagnostics.checks.base import CheckResult, RunContext, Status, register
from diagnostics.checks.common import RestSession, auth_codes, finish, needs_credentials

PRODUCT = re.compile(r"^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$")


def _dec(value) -> Decimal:
    if isinstance(value, dict):
        value = value.get("value")
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _fmt(value: Decimal) -> str:
    """A decimal as plain text: 500, 0.01, 66578.72 (never 5E+2)."""
    return format(value.normalize(), "f")


def _failure(check_id: str, result, evidence, what: str) -> CheckResult:
    codes = auth_codes(result) or ["HTTP_UNEXPECTED_STATUS"]
    status = Status.ERROR if result.status is None and not result.error_code else Status.FAIL
    reason = result.error or f"HTTP {result.status}"
    return finish(check_id, status, f"Could not read {what}: {reason}.", codes,
                  details={"http_status": result.status}, evidence=evidence)


def _product(ctx: RunContext) -> str:
    return (ctx.product_id or "").strip().upper()


@register("balances", "Balances and holds", needs_credentials=True,
          description="Every account page; for the product's base and quote accounts the "
          "available and hold, the open orders that explain the holds, and whether the "
          "intended order would be covered.")
def balances(ctx: RunContext) -> CheckResult:
    skipped = needs_credentials("balances", ctx)
    if skipped:
        return skipped
    product = _product(ctx)
    if not PRODUCT.match(product):
        return finish("balances", Status.FAIL, f"{product or 'No product'} is not a product "
                      "id like BTC-USD.", ["PRODUCT_UNKNOWN"])
    base, quote = product.split("-")
    evidence: list = []
    session = RestSession(ctx, evidence)
    limit = int(ctx.options.get("page_limit") or 250)
    accounts, pages = [], 0
    for page_number, result, items, _has_next, _cursor in session.paged(
        "/accounts", {"limit": limit}, "accounts", max_pages=int(ctx.options.get("max_pages", 40))
    ):
        if items is None:
            return _failure("balances", result, evidence, "the accounts")
        accounts.extend(items)
        pages = page_number
    product_result = session.call("GET", f"/products/{product}")
    codes, notes = [], []
    price = None
    if product_result.status in (400, 404):
        codes.append("PRODUCT_UNKNOWN")
        notes.append(f"{product} is not a known product")
    elif product_result.ok and isinstance(product_result.json(), dict):
        price = _dec(product_result.json().get("price")) or None
    by_currency: dict[str, dict] = {}
    for account in accounts:
        cur = str(account.get("currency", "")).upper()
        entry = by_currency.setdefault(cur, {"available": Decimal(0), "hold": Decimal(0)})
        entry["available"] += _dec(account.get("available_balance"))
        entry["hold"] += _dec(account.get("hold"))
    missing = [c for c in (base, quote) if c not in by_currency]
    if missing and "PRODUCT_UNKNOWN" not in codes:
        codes.append("PRODUCT_UNKNOWN")
        notes.append("no account for " + ", ".join(missing))
    open_orders, hold_by_orders = [], Decimal(0)
    for _page, result, items, _has_next, _cursor in session.paged(
        "/orders/historical/batch",
        {"product_ids": product, "order_status": "OPEN", "limit": 100}, "orders", max_pages=10,
    ):
        if items is None:
            notes.append(f"open orders could not be listed (HTTP {result.status})")
            break
        for order in items:
            hold = _dec(order.get("outstanding_hold_amount"))
            hold_by_orders += hold
            open_orders.append({k: order.get(k) for k in (
                "order_id", "side", "status", "created_time", "outstanding_hold_amount")})
    relevant = {c: by_currency.get(c, {"available": Decimal(0), "hold": Decimal(0)})
                for c in (base, quote)}
    if any(v["hold"] > 0 for v in relevant.values()):
        codes.append("FUNDS_ON_HOLD")
        notes.append(f"{len(open_orders)} open {product} order(s) hold "
                     f"{_fmt(hold_by_orders)}")
    side, size = (ctx.side or "").upper(), _dec(ctx.size)
    covered = None
    if side in ("BUY", "SELL") and size > 0:
        if side == "SELL":
            currency, need = base, size
        elif ctx.options.get("size_in") == "quote":
            currency, need = quote, size
        else:
            currency, need = quote, (size * price if price else None)
        if need is not None:
            available = relevant[currency]["available"]
            covered = available >= need
            notes.append(f"{side} {ctx.size} needs {_fmt(need)} {currency}; "
                         f"available {_fmt(available)}")
            if not covered:
                codes.append("INSUFFICIENT_AVAILABLE")
                if available + relevant[currency]["hold"] >= need:
                    notes.append("it would be covered if the holds were released")
    details = {
        "product_id": product, "account_pages": pages, "accounts": len(accounts),
        "price": str(price) if price else None, "covered": covered,
        "balances": {c: {k: _fmt(v) for k, v in vals.items()}
                     for c, vals in relevant.items()},
        "open_orders": open_orders[:20], "open_order_count": len(open_orders),
        "notes": notes,
    }
    failing = {"INSUFFICIENT_AVAILABLE", "PRODUCT_UNKNOWN"}
    status = Status.FAIL if failing & set(codes) else Status.WARN if codes else Status.PASS
    parts = [f"{c} available {_fmt(v['available'])}, hold {_fmt(v['hold'])}"
             for c, v in relevant.items()]
    summary = "; ".join(parts) + "."
    if notes:
        summary += " " + "; ".join(notes) + "."
    return finish("balances", status, summary, codes, details=details, evidence=evidence)


def analyse_pages(pages: list[dict], time_field: str, id_field: str) -> tuple[list, dict]:
    """Pagination findings from pages of {"items", "has_next", "cursor"}: duplicates,
    sort order, has_next/cursor disagreement, repeated cursors."""
    seen, duplicates, problems, times, cursors = set(), [], [], [], []
    for number, page in enumerate(pages, start=1):
        items = page.get("items") or []
        if page.get("has_next") and not page.get("cursor"):
            problems.append(f"page {number}: has_next is true but the cursor is empty")
        if page.get("has_next") and not items:
            problems.append(f"page {number}: empty page with has_next true")
        cursor = page.get("cursor")
        if cursor and cursor in cursors:
            problems.append(f"page {number}: the cursor repeats an earlier page's")
        cursors.append(cursor)
        for item in items:
            ident = item.get(id_field)
            if ident in seen:
                duplicates.append(ident)
            seen.add(ident)
            if item.get(time_field):
                times.append(str(item[time_field]))
    if duplicates:
        problems.append(f"{len(duplicates)} item(s) appear on more than one page")
    order = "unknown"
    if len(times) > 1:
        if all(a >= b for a, b in zip(times, times[1:], strict=False)):
            order = "newest first"
        elif all(a <= b for a, b in zip(times, times[1:], strict=False)):
            order = "oldest first"
        else:
            order = "mixed"
            problems.append("items are not in one consistent time order across pages")
    facts = {"pages": len(pages), "items": len(seen) + len(duplicates), "unique": len(seen),
             "duplicates": duplicates[:10], "sort_order": order,
             "has_next": [bool(p.get("has_next")) for p in pages], "problems": problems}
    return (["PAGINATION_INCONSISTENT"] if problems else []), facts


def _walk(session, path, params, list_key, max_pages):
    pages, failure = [], None
    for _n, result, items, has_next, cursor in session.paged(path, params, list_key,
                                                             max_pages=max_pages):
        if items is None:
            failure = result
            break
        pages.append({"items": items, "has_next": has_next, "cursor": cursor})
    return pages, failure


@register("orders.history", "Order and fill history", needs_credentials=True,
          description="Recent orders and fills for the product, walking the cursor to the end; "
          "duplicates or gaps across pages, sort order and what has_next said.")
def orders_history(ctx: RunContext) -> CheckResult:
    skipped = needs_credentials("orders.history", ctx)
    if skipped:
        return skipped
    product = _product(ctx)
    evidence: list = []
    session = RestSession(ctx, evidence)
    limit = int(ctx.options.get("page_limit") or 100)
    max_pages = int(ctx.options.get("max_pages") or 40)
    params = {"limit": limit, "product_ids": product or None}
    pages, failure = _walk(session, "/orders/historical/batch", params, "orders", max_pages)
    if failure is not None and not pages:
        return _failure("orders.history", failure, evidence, "the order history")
    codes, orders = analyse_pages(pages, "created_time", "order_id")
    fill_pages, fill_failure = _walk(
        session, "/orders/historical/fills",
        {"limit": limit, "product_ids": product or None}, "fills", max_pages,
    )
    fill_codes, fills = analyse_pages(fill_pages, "trade_time", "entry_id")
    codes = list(dict.fromkeys(codes + fill_codes))
    reached_end = bool(pages) and not pages[-1]["has_next"]
    details = {"product_id": product, "orders": orders, "fills": fills,
               "reached_end": reached_end}
    if fill_failure is not None:
        details["fills_error"] = f"HTTP {fill_failure.status}"
    if not reached_end:
        details["note"] = f"stopped after {len(pages)} pages"
    summary = (f"{orders['unique']} orders over {orders['pages']} page(s), "
               f"{orders['sort_order']}; {fills['unique']} fills over {fills['pages']} page(s).")
    if codes:
        summary += " Pagination problems: " + "; ".join(orders["problems"] + fills["problems"])
    status = Status.FAIL if codes else Status.PASS if reached_end else Status.WARN
    return finish("orders.history", status, summary, codes, details=details, evidence=evidence)
