"""Practice tickets for pagination, rate limits and WebSockets."""

from practice.library.common import ACCOUNTS, AUTH_CL, PAGINATION, RATE_CL, WEBSOCKET, WS_CL

SCENARIOS: list[dict] = [
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
