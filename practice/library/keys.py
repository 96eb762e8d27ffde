"""Practice tickets for "API keys are not working" (the Authentication checklist)."""

from practice.library.common import ACCOUNTS, AUTH_CL, FILLS, KEYS, ORDERS_CL

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
]
