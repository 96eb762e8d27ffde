"""Names the practice scenarios share: module scenarios, checklists and REST paths."""

KEYS = "api-keys-not-working"
FUNDS = "insufficient-funds"
PAGINATION = "pagination-confusion"
WEBSOCKET = "websocket-auth-rate-limits"
AUTH_CL, ORDERS_CL, RATE_CL, WS_CL = (
    "authentication", "orders-balances", "rate-limits-pagination", "websocket"
)
ACCOUNTS = "/api/v3/brokerage/accounts"
FILLS = "/api/v3/brokerage/orders/historical/fills"
