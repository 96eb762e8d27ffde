"""Practice tickets for "Insufficient funds" (the Orders & Balances checklist)."""

from practice.library.common import AUTH_CL, FUNDS, ORDERS_CL

SCENARIOS: list[dict] = [
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
]
