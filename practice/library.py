"""The seeded practice library: realistic tickets, each reproducible on the sandbox.

Loaded into `PracticeScenario` rows by a data migration; leads edit the rows in the
admin afterwards. Every scenario is run end to end in the test suite (provisioned on
the sandbox, diagnosed by the real checks), so an expected code that the sandbox or
the checks stop producing fails a test instead of silently misleading trainees.
"""

KEYS = "api-keys-not-working"
FUNDS = "insufficient-funds"
PAGINATION = "pagination-confusion"
WEBSOCKET = "websocket-auth-rate-limits"
AUTH_CL, ORDERS_CL, RATE_CL, WS_CL = (
    "authentication", "orders-balances", "rate-limits-pagination", "websocket"
)
ACCOUNTS = "/api/v3/brokerage/accounts"
FILLS = "/api/v3/brokerage/orders/historical/fills"

SCENARIOS: list[dict] = [
    {
        "slug": "keys-clock-behind",
        "title": "401 on every call from one server",
        "scenario": KEYS,
        "checklists": [AUTH_CL],
        "ticket_text": (
            "Since this morning every call from our batch server returns 401 Unauthorized. "
            "The same key works from my laptop. Nothing was deployed. Here is a token the "
            "server generated a moment ago."
        ),
        "setup": {
            "customer": {
                "request": f"GET {ACCOUNTS}",
                "jwt": {"kind": "rest", "path": ACCOUNTS, "clock_offset_s": -600},
                "clock_offset_s": -600,
            },
        },
        "diagnostic_checks": ["jwt.inspect", "jwt.clock_skew"],
        "expected_codes": ["JWT_EXPIRED", "CLOCK_SKEW"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "A JWT lives 120 seconds, judged by Coinbase's clock. The server's clock runs about "
            "ten minutes slow, so every token is already expired when it arrives. Compare the "
            "token's nbf with GET /time; the advice is to enable NTP on that host. Nothing to "
            "escalate: the laptop works because its clock is right."
        ),
    },
    {
        "slug": "keys-query-in-uri",
        "title": "401 only when listing fills",
        "scenario": KEYS,
        "checklists": [AUTH_CL],
        "ticket_text": (
            "Accounts and products work fine, but GET /orders/historical/fills?product_id="
            "BTC-USD&limit=50 always returns 401. Same key, same code path. Is the fills "
            "endpoint broken?"
        ),
        "setup": {
            "customer": {
                "request": f"GET {FILLS}",
                "jwt": {"path": FILLS, "query": "product_id=BTC-USD&limit=50"},
            },
        },
        "diagnostic_checks": ["jwt.inspect"],
        "expected_codes": ["JWT_URI_HAS_QUERY"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "The uri claim is METHOD host/path only. The customer signs the query string too, "
            "so only calls with parameters fail. The endpoint is fine; advise dropping the "
            "query from the uri claim while keeping it on the request."
        ),
    },
    {
        "slug": "keys-exchange-host",
        "title": "New integration, nothing authenticates",
        "scenario": KEYS,
        "checklists": [AUTH_CL],
        "ticket_text": (
            "We are migrating from Coinbase Pro. I set base_url to api.exchange.coinbase.com as "
            "before and generate the JWT as in your docs, but I only get Unauthorized."
        ),
        "setup": {
            "customer": {
                "request": f"GET {ACCOUNTS}",
                "snippet": "client = RESTClient(base_url=\"api.exchange.coinbase.com\", ...)",
                "jwt": {"host": "api.exchange.coinbase.com", "path": ACCOUNTS},
            },
        },
        "diagnostic_checks": ["jwt.inspect"],
        "expected_codes": ["JWT_URI_WRONG_HOST"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "Advanced Trade lives at api.coinbase.com/api/v3/brokerage; the Exchange host is a "
            "different product. The uri claim names the wrong host, so the signature covers "
            "the wrong request. Point the client and the claim at api.coinbase.com."
        ),
    },
    {
        "slug": "keys-old-issuer",
        "title": "Go client stopped authenticating",
        "scenario": KEYS,
        "checklists": [AUTH_CL],
        "ticket_text": (
            "Our Go service uses an old sample SDK we vendored in 2024. Every request returns "
            "401. We regenerated the key twice. Token attached."
        ),
        "setup": {"customer": {"request": f"GET {ACCOUNTS}", "jwt": {"iss": "coinbase-cloud"}}},
        "diagnostic_checks": ["jwt.inspect"],
        "expected_codes": ["JWT_BAD_ISS"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "Current tokens carry iss=cdp; \"coinbase-cloud\" is what SDKs sent before May 2024. "
            "Regenerating the key cannot fix a claim the code hard-wires. Advise upgrading the "
            "SDK or setting iss to cdp."
        ),
    },
    {
        "slug": "keys-view-only-trading",
        "title": "Orders rejected, reads work",
        "scenario": KEYS,
        "checklists": [AUTH_CL, ORDERS_CL],
        "ticket_text": (
            "I can list my accounts and orders, but placing a limit order fails with "
            "\"Missing Required Scopes\". I am an admin on the account."
        ),
        "setup": {
            "key": {"algorithm": "ES256", "permissions": ["view"]},
            "balances": {"USD": "5000"},
            "intent": {"action": "trade", "side": "BUY", "size": "0.001"},
        },
        "diagnostic_checks": ["key.permissions"],
        "expected_codes": ["KEY_MISSING_SCOPE"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "Permissions belong to the key, not to the user. GET /key_permissions shows "
            "can_trade=false. The customer creates a key with the Trade permission."
        ),
    },
    {
        "slug": "keys-ip-allowlist",
        "title": "Works locally, 401 from the cloud",
        "scenario": KEYS,
        "checklists": [AUTH_CL],
        "ticket_text": (
            "The bot authenticates from my office but every call from our new cloud VM "
            "returns 401. Same key file on both."
        ),
        "setup": {"key": {"permissions": ["view", "trade"], "allowed_ips": ["203.0.113.7"]}},
        "diagnostic_checks": ["key.permissions"],
        "expected_codes": ["KEY_UNAUTHORIZED"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "A freshly signed token is refused with a bare 401, exactly as for a revoked key: "
            "the API does not say why. The ticket does: same key, works from one place only. "
            "The key has an IP allowlist holding only the office address, so calls from "
            "anywhere else are refused even with a perfect token. Advise adding the VM's "
            "egress IP to the allowlist or opting out of allowlisting."
        ),
    },
    {
        "slug": "keys-revoked-after-rotation",
        "title": "401 after rotating keys",
        "scenario": KEYS,
        "checklists": [AUTH_CL],
        "ticket_text": (
            "We rotated API keys last night and deleted the old one in the portal. This "
            "morning the reporting job fails with 401. The trading service is fine."
        ),
        "setup": {"revoke_key": True},
        "diagnostic_checks": ["key.permissions"],
        "expected_codes": ["KEY_UNAUTHORIZED"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "The job still uses the deleted key: the token is well formed, the key no longer "
            "exists. Ask the customer which key prefix the job loads and move it to the new "
            "key. The customer's own story explains the failure, so no escalation."
        ),
    },
    {
        "slug": "keys-valid-tokens-escalate",
        "title": "Fresh key, valid token, still 401",
        "scenario": KEYS,
        "checklists": [AUTH_CL],
        "ticket_text": (
            "For two hours every call returns 401. The key is active in the portal, has no IP "
            "allowlist, and tokens come from the official Python SDK 1.8.4 against "
            "api.coinbase.com. We created a second key; same result. Token attached."
        ),
        "setup": {"revoke_key": True, "customer": {"request": f"GET {ACCOUNTS}", "jwt": {}}},
        "diagnostic_checks": ["jwt.inspect", "key.permissions"],
        "expected_codes": ["KEY_UNAUTHORIZED"],
        "expected_decision": "escalate",
        "escalation_criterion": "auth_failures_valid_tokens",
        "teaching_notes": (
            "The token inspects clean (claims, host, uri, clock) and the endpoint is right, yet "
            "the service refuses an active key: that is the module's first escalation criterion. "
            "Escalate with the key prefix, the correlation ids and the timestamps."
        ),
    },
    {
        "slug": "funds-on-hold",
        "title": "Insufficient funds with money in the account",
        "scenario": FUNDS,
        "checklists": [ORDERS_CL],
        "ticket_text": (
            "My USD balance shows 1,000 but a market buy of 0.005 BTC fails with "
            "INSUFFICIENT_FUND. I have not bought anything today."
        ),
        "setup": {
            "balances": {"USD": "1000", "BTC": "0"},
            "open_orders": [
                {"product_id": "BTC-USD", "side": "BUY", "base_size": "0.1", "limit_price": "9500"}
            ],
            "intent": {"action": "trade", "side": "BUY", "size": "0.005"},
        },
        "diagnostic_checks": ["balances"],
        "expected_codes": ["FUNDS_ON_HOLD", "INSUFFICIENT_AVAILABLE"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "Total is not available: a resting limit buy holds 950 USD, leaving 50 available. "
            "Show the customer the open order behind the hold; cancelling it releases the funds."
        ),
    },
    {
        "slug": "funds-hold-not-released",
        "title": "Cancelled order still holds funds",
        "scenario": FUNDS,
        "checklists": [ORDERS_CL],
        "ticket_text": (
            "Yesterday I cancelled my BTC limit buy in the web app and it shows Cancelled there, "
            "but the API still shows the USD on hold and my new orders fail for insufficient "
            "funds. Several of my sub-accounts have the same problem."
        ),
        "setup": {
            "balances": {"USD": "500"},
            "open_orders": [
                {"product_id": "BTC-USD", "side": "BUY", "base_size": "0.05", "limit_price": "9000"}
            ],
            "intent": {"action": "trade", "side": "BUY", "size": "0.002"},
        },
        "diagnostic_checks": ["balances", "orders.history"],
        "expected_codes": ["FUNDS_ON_HOLD"],
        "expected_decision": "escalate",
        "escalation_criterion": "order_status_or_widespread_subscription",
        "teaching_notes": (
            "The API still reports the order OPEN with its hold while the customer saw it "
            "cancelled: an order status discrepancy, the second escalation criterion. Escalate "
            "with the order id, portfolio id and the order history evidence."
        ),
    },
    {
        "slug": "funds-wrong-portfolio",
        "title": "Balance is zero via the API",
        "scenario": FUNDS,
        "checklists": [ORDERS_CL, AUTH_CL],
        "ticket_text": (
            "Our treasury portfolio has plenty of USD, but the bot says insufficient funds. We "
            "checked the portfolio id twice (pasted in the case)."
        ),
        "setup": {
            "balances": {"USD": "20"},
            "case_portfolio": "other",
            "intent": {"action": "trade", "side": "BUY", "size": "0.01"},
        },
        "diagnostic_checks": ["key.permissions"],
        "expected_codes": ["PORTFOLIO_MISMATCH"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "A key is bound to one portfolio. GET /key_permissions shows a portfolio_uuid that "
            "is not the treasury portfolio the customer named, so the bot trades from a nearly "
            "empty one. Advise a key created in the treasury portfolio."
        ),
    },
    {
        "slug": "funds-unknown-product",
        "title": "Order fails for a product that exists",
        "scenario": FUNDS,
        "checklists": [ORDERS_CL],
        "ticket_text": (
            "Porting our bot from another exchange. Buying XBT-USD fails, the balance is there. "
            "Is bitcoin trading disabled for my account?"
        ),
        "setup": {
            "balances": {"USD": "1000"},
            "product_id": "XBT-USD",
            "intent": {"action": "trade", "side": "BUY", "size": "0.001"},
        },
        "diagnostic_checks": ["balances"],
        "expected_codes": ["PRODUCT_UNKNOWN"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "XBT is another exchange's ticker; on Coinbase the pair is BTC-USD. Validate the "
            "product pair before looking at balances."
        ),
    },
    {
        "slug": "pagination-429-storm",
        "title": "Order history export stops halfway",
        "scenario": PAGINATION,
        "checklists": [RATE_CL],
        "ticket_text": (
            "Our nightly export walks all historical orders. Since Tuesday it dies after a few "
            "pages with HTTP 429 and we lose the run. We fetch pages as fast as possible."
        ),
        "setup": {"faults": {"rate_limit_storm": True}},
        "diagnostic_checks": ["rate_limit"],
        "expected_codes": ["RATE_LIMITED"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "429 is the service asking for less. Read the x-ratelimit headers, back off "
            "exponentially with jitter and resume from the last cursor instead of restarting."
        ),
    },
    {
        "slug": "pagination-cursor-signed",
        "title": "First page works, the next page is 401",
        "scenario": PAGINATION,
        "checklists": [RATE_CL, AUTH_CL],
        "ticket_text": (
            "Listing accounts: the first call works, but as soon as I pass the cursor for the "
            "second page I get 401. So I can only ever see 49 accounts."
        ),
        "setup": {
            "customer": {
                "request": f"GET {ACCOUNTS}",
                "jwt": {"path": ACCOUNTS, "query": "limit=49&cursor=eyJwYWdlIjoyfQ"},
            },
        },
        "diagnostic_checks": ["jwt.inspect"],
        "expected_codes": ["JWT_URI_HAS_QUERY"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "Only the second page carries a query string, and the customer signs it into the "
            "uri claim. Cursor pagination is fine; sign METHOD host/path and pass cursor and "
            "limit as parameters, following has_next to the end."
        ),
    },
    {
        "slug": "ws-user-token-expires",
        "title": "User channel: authentication failure",
        "scenario": WEBSOCKET,
        "checklists": [WS_CL, AUTH_CL],
        "ticket_text": (
            "Subscribing to the user channel returns {\"type\":\"error\",\"message\":"
            "\"authentication failure\"}. We build one JWT when the service starts and reuse it. "
            "Here is the token from the failing subscribe."
        ),
        "setup": {
            "faults": {"clock_offset_s": 600},
            "customer": {"jwt": {"kind": "ws", "clock_offset_s": -600}},
        },
        "diagnostic_checks": ["jwt.inspect", "ws.user"],
        "expected_codes": ["JWT_EXPIRED", "WS_AUTH_FAILED"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "WebSocket JWTs last two minutes too: a token built at start-up is expired on any "
            "later subscribe. Each subscribe message needs a freshly signed jwt field."
        ),
    },
    {
        "slug": "ws-sequence-gap",
        "title": "Order book drifts from the website",
        "scenario": WEBSOCKET,
        "checklists": [WS_CL],
        "ticket_text": (
            "After a while our level2 book for BTC-USD shows levels that do not exist on the "
            "website. Restarting fixes it for an hour. Are you dropping messages?"
        ),
        "setup": {"faults": {"ws_sequence_gap": True}},
        "diagnostic_checks": ["ws.market"],
        "expected_codes": ["WS_SEQUENCE_GAP"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "sequence_num jumps mean missed messages. The client must watch sequence_num and "
            "resubscribe to get a fresh snapshot on a gap, rather than keep patching a stale "
            "book."
        ),
    },
    {
        "slug": "ws-heartbeat-stall",
        "title": "Feed goes silent without closing",
        "scenario": WEBSOCKET,
        "checklists": [WS_CL],
        "ticket_text": (
            "Our ticker feed sometimes just goes quiet: no error, no close, nothing for a "
            "minute. We only notice when prices look frozen."
        ),
        "setup": {"faults": {"ws_heartbeat_stall": True}},
        "diagnostic_checks": ["ws.market"],
        "expected_codes": ["WS_HEARTBEAT_GAP"],
        "expected_decision": "resolve",
        "teaching_notes": (
            "Subscribe to heartbeats and treat a counter gap or silence as a dead link: "
            "reconnect with jitter and resubscribe every channel, including heartbeats."
        ),
    },
    {
        "slug": "ws-drops-many-developers",
        "title": "Disconnects across desks and customers",
        "scenario": WEBSOCKET,
        "checklists": [WS_CL],
        "ticket_text": (
            "Since 09:00 UTC our user-channel connections are dropped after a handful of "
            "messages, from three desks on different networks. Two other firms on the "
            "developer forum report the same. We already reconnect with jitter."
        ),
        "setup": {"faults": {"ws_drop_after": 5}},
        "diagnostic_checks": ["ws.user"],
        "expected_codes": ["WS_DISCONNECTED"],
        "expected_decision": "escalate",
        "escalation_criterion": "ws_instability_multi_developer",
        "teaching_notes": (
            "The client already does what the checklist asks, and the drops reach several "
            "developers on different networks: WebSocket instability across developers, the "
            "third escalation criterion. Escalate with the endpoint, channels, JWT issuance "
            "time and sample messages."
        ),
    },
]
