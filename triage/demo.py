"""Demo users for `make run`: passwords generated once, kept in var/, printed on start."""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User

from triage.roles import AGENTS, TEAM_LEADS

DEMO_USERS = {"agent": AGENTS, "lead": TEAM_LEADS}


def _logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.json"


def demo_logins() -> dict[str, str]:
    path = _logins_file()
    return json.loads(path.read_text()) if path.exists() else {}


def seed_demo_users() -> dict[str, str]:
    """Create (or repair) the demo users; idempotent. Returns username -> password."""
    logins = demo_logins()
    for username, group in DEMO_USERS.items():
        password = logins.get(username) or f"{username}-{secrets.token_urlsafe(9)}"
        logins[username] = password
        user, _ = User.objects.get_or_create(username=username)
        user.is_staff = group == TEAM_LEADS
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=group))
    path = _logins_file()
    path.write_text(json.dumps(logins))
    path.chmod(0o600)
    return logins


DEMO_CASES = [
    {
        "external_ticket": "DEMO-1001",
        "scenario": "api-keys-not-working",
        "subject": "401 Unauthorized on every /accounts call since rotating keys",
        "key_prefix": "organizations/3c1f6a9e-org/apiKeys/9f8e7d6c-5b4a-4321-9abc-def012345678",
        "product_id": "BTC-USD",
        "priority": "high",
        "items": {"auth-key-validity": ("pass", "Key is CDP, view+trade, not revoked.")},
        "evidence": (
            "GET /api/v3/brokerage/accounts HTTP/1.1\n"
            "Host: api.coinbase.com\n"
            "Authorization: Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6Im9yZ2FuaXphdGlvbnMvM2MxZi9hcGlLZXlz"
            "LzlmOGUifQ.eyJpc3MiOiJjZHAiLCJzdWIiOiJvcmdhbml6YXRpb25zLzNjMWYvYXBpS2V5cy85ZjhlIiwidXJp"
            "IjoiR0VUIGFwaS5jb2luYmFzZS5jb20vYXBpL3YzL2Jyb2tlcmFnZS9vcmRlcnMifQ.MEUCIQDdemoSignature"
            "0123456789abcdefABCDEF\n\n"
            "HTTP/1.1 401 Unauthorized\n"
            "Date: Tue, 24 Nov 2026 09:14:03 GMT\n"
            "Content-Type: application/json\n"
            "x-request-id: 5b0c2f7e-8d1a-4c3b-9e2f-0a1b2c3d4e5f\n"
            "cf-ray: 8e3f1a2b3c4d5e6f-FRA\n\n"
            '{"error":"UNAUTHORIZED","message":"Unauthorized","error_details":""}'
        ),
    },
    {
        "external_ticket": "DEMO-1002",
        "scenario": "insufficient-funds",
        "subject": "Limit buy rejected with INSUFFICIENT_FUND but USD balance shows 500",
        "key_prefix": "2b7d4e10-aaaa-bbbb-cccc-1234567890ab",
        "portfolio_id": "6f1e2d3c-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
        "product_id": "ETH-USD",
        "items": {"orders-balances": ("fail", "400 USD on hold by two open limit orders.")},
        "evidence": None,
    },
    {
        "external_ticket": "DEMO-1003",
        "scenario": "websocket-auth-rate-limits",
        "subject": "User channel subscription closes after two minutes",
        "key_prefix": "",
        "product_id": "BTC-USD",
        "priority": "normal",
        "items": {},
        "evidence": (
            '> {"type":"subscribe","channel":"user","product_ids":["BTC-USD"],"jwt":"eyJhbGciOi'
            'JFUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJlLWRlbW8tdmFsdWU"}\n'
            '< {"channel":"subscriptions","events":[{"subscriptions":{"user":["BTC-USD"]}}]}\n'
            '< {"channel":"heartbeats","events":[{"heartbeat_counter":"1"}]}\n'
        ),
    },
]


def seed_demo_cases() -> list[str]:
    """A few realistic cases for the demo, keyed by their DEMO- ticket; idempotent."""
    from triage import services
    from triage.models import Case, CaseChecklistItem, Scenario

    agent = User.objects.filter(username="agent").first()
    created = []
    for spec in DEMO_CASES:
        if Case.objects.filter(external_ticket=spec["external_ticket"]).exists():
            continue
        case = services.case_create(
            subject=spec["subject"],
            scenario=Scenario.objects.get(slug=spec["scenario"]),
            created_by=agent,
            external_ticket=spec["external_ticket"],
            key_prefix=spec["key_prefix"],
            portfolio_id=spec.get("portfolio_id"),
            product_id=spec["product_id"],
            priority=spec.get("priority", "normal"),
        )
        for key, (state, note) in spec["items"].items():
            row = CaseChecklistItem.objects.select_related("item").get(case=case, item__key=key)
            services.checklist_item_set(case_item=row, by=agent, state=state, note=note)
        if spec["evidence"]:
            services.evidence_add(case=case, raw=spec["evidence"], by=agent)
        created.append(case.reference)
    return created


def seed_agents(number: int) -> list[User]:
    """Bulk-data agents `seed-agent-001`… (no usable password), created once."""
    group = Group.objects.get(name=AGENTS)
    users = []
    for index in range(1, number + 1):
        user, created = User.objects.get_or_create(username=f"seed-agent-{index:03d}")
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.add(group)
        users.append(user)
    return users
