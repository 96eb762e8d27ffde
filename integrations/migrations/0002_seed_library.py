"""Seed the error-signature library and reply templates (leads edit them in the admin)."""

from django.db import migrations

SIGNATURES = [
    # slug, title, kind, status, pattern, is_regex, exact, causes, item, code, reply
    (
        "rest-401-unauthorized", "Plain 'Unauthorized' 401", "rest", 401, "Unauthorized",
        False, True,
        [
            "The JWT is expired or not yet valid: it lives 120 s, and a skewed clock breaks it.",
            "The uri claim does not match the request: query string signed, wrong host, or "
            "base_url given with https://.",
            "The key is inactive, deleted, of the wrong type (Exchange/legacy), or the request "
            "comes from an IP outside the key's allowlist.",
            "Placeholders from the getting-started example were left in place.",
        ],
        "auth-jwt-claims", "AUTH_UNAUTHORIZED",
        "Hi, thanks for the details on {reference}. The 401 'Unauthorized' answer means the "
        "API did not accept the request's JWT. Please make sure a fresh token is built for every "
        "request (it is valid for 2 minutes), that its uri claim is 'METHOD api.coinbase.com/path' "
        "without the query string, and that your server clock is in sync. If you use an IP "
        "allowlist on key {key_prefix}…, check that this server's address is on it.",
    ),
    (
        "rest-403-missing-scopes", "403 Missing required scopes", "rest", 403,
        "missing required scopes", False, False,
        [
            "The API key lacks the permission the endpoint needs (view, trade or transfer).",
            "The key belongs to a different portfolio than the one addressed.",
        ],
        "auth-key-validity", "AUTH_MISSING_SCOPES",
        "Hi, on {reference} the API answered 403 'Missing required scopes'. Key {key_prefix}… "
        "does not carry the permission this call needs. Please edit the key in the developer "
        "platform and enable the View/Trade permission for the portfolio you are using, then "
        "retry.",
    ),
    (
        "rest-insufficient-fund", "Order rejected: INSUFFICIENT_FUND", "rest", None,
        r"INSUFFICIENT_FUND", True, False,
        [
            "Available balance (total minus holds) is below the order's size plus fees.",
            "The order addresses a different portfolio or account than the funded one.",
            "Open orders hold part of the balance.",
        ],
        "orders-balances", "ORDER_INSUFFICIENT_FUND",
        "Hi, the order on {reference} ({product_id}) was rejected with INSUFFICIENT_FUND. The "
        "available balance, not the total, must cover the order plus fees; open orders place "
        "holds on funds. Please check available vs. hold in the account list and the portfolio "
        "the order was sent to.",
    ),
    (
        "rest-fills-order-ids-filters", "Fills: order_ids with other filters", "rest", 400,
        "cannot pass order_ids with other filters", False, False,
        ["order_ids was combined with product or time filters on the fills list."],
        "orders-history", "",
        "Hi, on {reference} the fills list rejected the request because order_ids cannot be "
        "combined with other filters. Please request fills either by order_ids alone or by the "
        "other filters.",
    ),
    (
        "rest-order-not-found", "Order not found (404)", "rest", 404,
        "order with this orderID was not found", False, False,
        ["The order id is mistyped, belongs to another portfolio, or is a client_order_id."],
        "orders-history", "",
        "",
    ),
    (
        "rest-429-rate-limited", "Rate limited (429)", "rest", 429, "", False, False,
        [
            "More than ~30 requests/s per key on private endpoints or ~10/s per IP on public "
            "ones.",
            "Retries without backoff keep the client over the limit.",
        ],
        "rate-429-backoff", "RATE_LIMIT_BURST",
        "Hi, on {reference} the API answered 429 Too Many Requests. Please spread requests out "
        "and, after a 429, wait before retrying with an exponentially growing, jittered delay.",
    ),
    (
        "ws-authentication-failure", "WebSocket 'authentication failure'", "ws", None,
        "authentication failure", False, False,
        [
            "Exchange/Pro keys or docs were used (passphrase, 'full' channel) instead of CDP keys.",
            "The subscribe message's jwt is missing, expired, or signed with a uri claim.",
            "A misspelled channel such as 'heartbeat' instead of 'heartbeats'.",
        ],
        "ws-endpoint", "WS_AUTH_FAILURE",
        "Hi, on {reference} the user WebSocket answered 'authentication failure'. Please sign a "
        "new JWT for every subscribe message (without a uri claim) with a CDP API key, and "
        "check the channel names (user, heartbeats).",
    ),
]

REPLIES = [
    ("finding", "PAGINATION_CURSOR_REUSED", "Cursor reused",
     "Hi, on {reference} your code sends a cursor that was already used, so the same page of "
     "results comes back more than once. Please pass the cursor from the latest response on "
     "each next call."),
    ("finding", "PAGINATION_CURSOR_IGNORED", "Cursor ignored",
     "Hi, on {reference} the first page answered has_next=true, but the next call asked for the "
     "first page again. Please pass that response's cursor to get the following page."),
    ("finding", "PAGINATION_LIMIT_CHANGED", "Limit changed between pages",
     "Hi, on {reference} the page size (limit) changes in the middle of a pagination walk. "
     "Please keep limit and all filters the same for every page of one walk."),
    ("finding", "PAGINATION_RESTARTED", "Pagination restarted",
     "Hi, on {reference} the pagination goes back to the first page before reaching the last "
     "one. Please finish each walk (until has_next is false) before starting another."),
    ("finding", "PAGINATION_STOPPED_EARLY", "Pagination stopped early",
     "Hi, on {reference} the last page your code fetched still said has_next=true, so results "
     "are missing. Please keep paging until has_next is false (or the cursor is empty for "
     "fills)."),
    ("finding", "PAGINATION_REDUNDANT_POLLING", "Redundant polling",
     "Hi, on {reference} the same page is fetched repeatedly within seconds. For order updates "
     "the user WebSocket channel is the better fit; otherwise poll less often."),
    ("finding", "RATE_LIMIT_BURST", "Rate-limit bursts",
     "Hi, on {reference} your client sends bursts above the documented limits (about 30 "
     "requests per second per key for private endpoints, 10 per second per IP for public "
     "ones). Please spread requests out, for example with a client-side token bucket."),
    ("finding", "RATE_LIMIT_NO_BACKOFF", "No backoff after 429",
     "Hi, on {reference} requests are retried immediately after a 429. Please wait before "
     "retrying and double the wait on each further 429, with random jitter."),
    ("item", "auth-jwt-claims", "JWT claims",
     "Hi, for {reference}: please check that each JWT has sub and kid set to the full key "
     "name, iss 'cdp', a 2-minute nbf/exp window and, for REST, uri 'METHOD host/path'."),
    ("item", "rate-cursors", "Cursor pagination",
     "Hi, for {reference}: list endpoints are cursor-paginated. Pass the cursor from each "
     "response with the same limit and filters until has_next is false."),
    ("item", "orders-balances", "Available vs. hold",
     "Hi, for {reference}: orders are checked against the available balance, which excludes "
     "funds held by open orders. Please compare available and hold for {product_id}."),
]


def seed(apps, schema_editor):
    ErrorSignature = apps.get_model("integrations", "ErrorSignature")
    ReplyTemplate = apps.get_model("integrations", "ReplyTemplate")
    for order, row in enumerate(SIGNATURES):
        slug, title, kind, status, pattern, is_regex, exact, causes, item, code, reply = row
        ErrorSignature.objects.update_or_create(
            slug=slug,
            defaults=dict(
                title=title, kind=kind, status_code=status, body_pattern=pattern,
                is_regex=is_regex, exact_body=exact, likely_causes=causes,
                checklist_item_key=item, finding_code=code, reply_template=reply, order=order,
            ),
        )
    for target, key, title, body in REPLIES:
        ReplyTemplate.objects.update_or_create(
            target=target, key=key, defaults={"title": title, "body": body}
        )


def unseed(apps, schema_editor):
    apps.get_model("integrations", "ErrorSignature").objects.filter(
        slug__in=[row[0] for row in SIGNATURES]
    ).delete()
    apps.get_model("integrations", "ReplyTemplate").objects.filter(
        key__in=[row[1] for row in REPLIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
