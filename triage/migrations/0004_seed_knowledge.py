"""Seed the Module 2 (Advanced Trade) knowledge: checklists, scenarios, escalation guide.

Written from the support module's sections 2-5, in the product's own words. Team leads
refine it later in the admin; edits create new checklist versions.
"""

from django.db import migrations

CHECKLISTS = [
    ("authentication", "Authentication", "Keys, JWTs and endpoints.", [
        ("auth-key-validity", "Confirm API key id/secret validity and permissions",
         "Ask for the key name (organizations/.../apiKeys/<id>) and record only its prefix. "
         "Check the key is an Advanced Trade (CDP) key, not a legacy or Exchange key, that it "
         "is not revoked, that its permissions (view, trade, transfer) cover what the customer "
         "is doing, and that any IP allowlist on the key includes the caller's address. "
         "Never ask for the secret itself.",
         ["key.format", "key.permissions"]),
        ("auth-jwt-claims", "Verify JWT claims/headers and clock skew",
         "Decode the token's header and claims without the signature. The header needs "
         "alg ES256 (or EdDSA for Ed25519 keys), kid set to the key name and a nonce; the "
         "claims need iss=cdp, sub=the key name, nbf and exp about 120 seconds apart and, for "
         "REST, a uri claim of the form \"GET api.coinbase.com/api/v3/brokerage/...\" matching "
         "the exact method and path called. A machine clock that is off by more than a few "
         "seconds makes fresh tokens look expired or not yet valid.",
         ["jwt.inspect", "jwt.clock_skew"]),
        ("auth-endpoints", "Confirm correct REST host/path and WebSocket endpoint",
         "REST calls go to https://api.coinbase.com/api/v3/brokerage/{resource}. Market data "
         "streams from wss://advanced-trade-ws.coinbase.com and the user channel from "
         "wss://advanced-trade-ws-user.coinbase.com with a JWT. A token signed for one host "
         "or path fails on another; so do old Pro/Exchange hosts.",
         ["reach.rest", "reach.ws_market", "reach.ws_user"]),
    ]),
    ("orders-balances", "Orders & Balances", "Portfolio context, funds and order history.", [
        ("orders-product-portfolio", "Validate product pair and portfolio context",
         "Record the product id (e.g. BTC-USD) and the portfolio UUID the customer trades "
         "from. Orders are placed in the key's portfolio unless another is given; a key "
         "scoped to one portfolio cannot see or spend funds held in another. Check the "
         "quote and base currencies match what the customer expects to spend.",
         ["balances"]),
        ("orders-balances", "Check available vs. hold balances",
         "List the accounts: available balance is what can be spent now; hold is reserved "
         "by open orders or pending transfers. \"Insufficient funds\" often means the money "
         "is on hold or unsettled, in another portfolio, or in a different currency than "
         "the order's quote or base side.",
         ["balances"]),
        ("orders-history", "Retrieve recent order/fill history",
         "List recent orders and fills for the product (historical batch and fills "
         "endpoints) and compare statuses, sizes and timestamps with what the customer "
         "reports. Note order ids and client order ids for the escalation packet.",
         ["orders.history"]),
    ]),
    ("rate-limits-pagination", "Rate Limits & Pagination", "429s, backoff and cursors.", [
        ("rate-429-backoff", "Identify 429s; implement exponential backoff",
         "Look for HTTP 429 responses in the customer's logs and how quickly they retry. "
         "Retries should back off exponentially with jitter instead of hammering the API; "
         "bursts of parallel requests from one key or IP are the usual cause.",
         ["rate_limit"]),
        ("rate-cursors", "Use cursors consistently; avoid redundant polling",
         "List endpoints page with a limit and a cursor: pass the cursor returned by the "
         "previous page until has_next is false, keep the same filters and sort between "
         "pages, and do not restart from page one on every poll. Use WebSocket updates "
         "instead of tight polling loops.",
         ["orders.history"]),
    ]),
    ("websocket", "WebSocket", "Endpoints, limits and reconnects.", [
        ("ws-endpoint", "Use the right endpoint (market vs. user)",
         "Public market channels (ticker, level2, candles, market_trades) live on the market "
         "endpoint; the user channel with order updates needs the user endpoint and a fresh "
         "JWT in each subscribe message. Subscribing to user on the market host, or without "
         "a token, gets an error or nothing.",
         ["reach.ws_market", "reach.ws_user"]),
        ("ws-limits", "Respect message limits; batch subscriptions",
         "The limit is about 750 messages per second per IP, and 8 per second for "
         "unauthenticated connections. Subscribe to many products in one message instead "
         "of one message per product, and keep the number of connections small.",
         ["ws.market"]),
        ("ws-reconnect", "Reconnect with jitter; resubscribe on connect",
         "Connections drop; clients must reconnect with a randomised delay, subscribe again "
         "after every connect (subscriptions are not remembered), subscribe to heartbeats to "
         "detect silent drops, and sign a new JWT for the user channel before the old one "
         "expires.",
         ["ws.market", "ws.user"]),
    ]),
]

SCENARIOS = [
    ("api-keys-not-working", "API keys are not working",
     "401/403 errors, \"unauthorized\", signature or token errors.",
     ["Verify the key type and permissions, and that it is an Advanced Trade key.",
      "Check IP allowlisting on the key and how the JWT is built: algorithm, claims, and "
      "the uri claim for REST calls.",
      "Ask for the full request and response with headers and correlation ids."],
     ["authentication"]),
    ("insufficient-funds", "Insufficient funds",
     "Orders rejected for funds the customer believes they have.",
     ["Query balances and tell settled and available funds apart; look for open holds.",
      "Confirm the portfolio/account used and the product's denomination (quote vs base)."],
     ["orders-balances"]),
    ("pagination-confusion", "Pagination confusion",
     "Missing or repeated orders in lists, endless paging, 429s while paging.",
     ["Use the documented cursor and limit scheme with a consistent sort.",
      "Retry with backoff on 429 instead of re-polling from the start."],
     ["rate-limits-pagination", "orders-balances"]),
    ("websocket-auth-rate-limits", "WebSocket auth or rate limits",
     "Disconnects, no user updates, subscription errors, throttling.",
     ["Generate a JWT for the user endpoint and refresh it before it expires.",
      "Stay under 750 messages/s per IP and 8/s unauthenticated; consolidate "
      "subscriptions."],
     ["websocket", "authentication"]),
    ("other", "Other", "Anything else; pick the checklists that fit.",
     ["Collect the key prefix, portfolio id, product pair and a full request/response "
      "before going further."],
     []),
]

COLLECT = [
    ("key_prefix", "API key prefix (never the secret)", "always", "key_prefix"),
    ("portfolio_id", "Portfolio ID", "always", "portfolio_id"),
    ("product_pair", "Product pair", "always", "product_id"),
    ("rest_exchange", "Full REST request/response with headers", "rest", ""),
    ("correlation_ids", "Correlation IDs", "rest", ""),
    ("timestamps", "Approximate timestamps", "always", ""),
    ("ws_endpoint", "WebSocket endpoint used", "ws", ""),
    ("ws_channels", "WebSocket channels", "ws", ""),
    ("jwt_issued_at", "JWT issuance time", "ws", ""),
    ("ws_samples", "Sample WebSocket messages", "ws", ""),
]

CRITERIA = [
    ("auth_failures_valid_tokens",
     "Consistent authentication failures with valid tokens and correct endpoints",
     "The key, JWT claims, clock and endpoints all check out, yet requests keep failing "
     "authentication."),
    ("order_status_or_widespread_subscription",
     "Order status discrepancies vs. docs or widespread subscription issues",
     "Orders or fills disagree with the documented behaviour, or subscriptions fail for "
     "many customers rather than one setup."),
    ("ws_instability_multi_developer",
     "WebSocket service instability across multiple developers",
     "Several unrelated developers report drops or missing messages at the same time."),
]


def seed(apps, schema_editor):
    Template = apps.get_model("triage", "ChecklistTemplate")
    Version = apps.get_model("triage", "ChecklistTemplateVersion")
    Item = apps.get_model("triage", "ChecklistItem")
    Scenario = apps.get_model("triage", "Scenario")
    Collect = apps.get_model("triage", "CollectItem")
    Criterion = apps.get_model("triage", "EscalationCriterion")
    templates = {}
    for order, (slug, title, description, items) in enumerate(CHECKLISTS, start=1):
        template, _ = Template.objects.update_or_create(
            slug=slug, defaults={"title": title, "description": description, "order": order}
        )
        templates[slug] = template
        version, created = Version.objects.get_or_create(
            template=template, number=1, defaults={"change_note": "Seeded from Module 2"}
        )
        if created:
            for pos, (key, item_title, guidance, check_ids) in enumerate(items, start=1):
                Item.objects.create(
                    version=version, key=key, title=item_title, guidance=guidance,
                    order=pos, check_ids=check_ids,
                )
    for order, (slug, title, summary, guidance, recommended) in enumerate(SCENARIOS, start=1):
        scenario, _ = Scenario.objects.update_or_create(
            slug=slug,
            defaults={"title": title, "summary": summary, "guidance": guidance, "order": order},
        )
        scenario.recommended_checklists.set([templates[s] for s in recommended])
    for order, (key, label, applies, field) in enumerate(COLLECT, start=1):
        Collect.objects.update_or_create(
            key=key,
            defaults={"label": label, "applies_to": applies, "case_field": field, "order": order},
        )
    for order, (key, title, description) in enumerate(CRITERIA, start=1):
        Criterion.objects.update_or_create(
            key=key, defaults={"title": title, "description": description, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("triage", "0003_role_permissions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
