"""The registry, run_check's guarantees, and the finding-code table."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from diagnostics import codes
from diagnostics.checks import CHECK_ORDER, CHECKS, Credentials, RunContext, Status, run_check
from diagnostics.checks.base import CheckSpec
from tests.diagnostics.test_checks_jwt import ec_pem

ISSUE_CODES = """JWT_MALFORMED JWT_BAD_ALG JWT_MISSING_KID JWT_KID_SUB_MISMATCH JWT_MISSING_NONCE
JWT_BAD_ISS JWT_EXPIRED JWT_NOT_YET_VALID JWT_LIFETIME_TOO_LONG JWT_URI_MISSING JWT_URI_MALFORMED
JWT_URI_WRONG_HOST JWT_URI_HAS_QUERY JWT_URI_MISMATCH JWT_SIGNATURE_INVALID CLOCK_SKEW
KEY_FORMAT_ESCAPED_NEWLINES KEY_FORMAT_WRONG_TYPE KEY_FORMAT_LEGACY_SECRET KEY_UNAUTHORIZED
KEY_MISSING_SCOPE KEY_IP_NOT_ALLOWED PORTFOLIO_MISMATCH HOST_WRONG DNS_FAILED TCP_FAILED TLS_FAILED
INSUFFICIENT_AVAILABLE FUNDS_ON_HOLD PAGINATION_INCONSISTENT RATE_LIMITED WS_SUBSCRIBE_TIMEOUT
WS_AUTH_FAILED WS_RATE_LIMITED WS_SEQUENCE_GAP WS_HEARTBEAT_GAP WS_DISCONNECTED
PRODUCT_UNKNOWN""".split()


def test_every_check_is_registered_on_import():
    assert CHECK_ORDER == [
        "jwt.inspect", "jwt.clock_skew", "key.format", "key.permissions", "reach.rest",
        "reach.ws_market", "reach.ws_user", "balances", "orders.history", "rate_limit",
        "ws.market", "ws.user",
    ]
    assert set(CHECK_ORDER) <= set(CHECKS)
    for check_id in CHECK_ORDER:
        assert CHECKS[check_id].title and CHECKS[check_id].description


def test_every_issue_code_is_in_the_table_with_text():
    assert set(ISSUE_CODES) <= set(codes.CODES)
    for entry in codes.CODES.values():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", entry.code)
        assert entry.title and entry.meaning and entry.advice


def test_docs_table_is_in_step_with_the_code_table():
    assert codes.DOCS_PATH.read_text(encoding="utf-8") == codes.markdown_table()


def test_every_code_a_check_can_emit_is_documented():
    source = "".join(p.read_text() for p in (codes.DOCS_PATH.parent.parent / "diagnostics"
                                              / "checks").glob("*.py"))
    source += (codes.DOCS_PATH.parent.parent / "diagnostics" / "net" / "targets.py").read_text()
    source += (codes.DOCS_PATH.parent.parent / "diagnostics" / "net" / "ws.py").read_text()
    emitted = set(re.findall(r'"((?:JWT|KEY|WS|HOST|DNS|TCP|TLS|HTTP|CLOCK|RATE|SERVER|CHECK|'
                             r'PORTFOLIO|PRODUCT|INSUFFICIENT|FUNDS|PAGINATION)_[A-Z_]+)"',
                             source)) - {"CHECK_ORDER"}
    assert emitted
    assert emitted <= set(codes.CODES), emitted - set(codes.CODES)


def test_advice_for_joins_distinct_advice():
    text = codes.advice_for(["JWT_EXPIRED", "JWT_EXPIRED", "CLOCK_SKEW"])
    assert text.count("NTP") == 1 and "fresh token" in text
    assert codes.describe("NOT_A_CODE").title == "NOT_A_CODE"


@pytest.fixture
def crashing_check():
    def crash(ctx):
        raise RuntimeError(f"exploded holding {ctx.credentials.key_secret}")

    CHECKS["testing.crash_inline"] = CheckSpec("testing.crash_inline", "Crash", crash)
    yield "testing.crash_inline"
    del CHECKS["testing.crash_inline"]


def test_a_crash_becomes_a_redacted_error_result(crashing_check, caplog):
    secret = ec_pem()
    ctx = RunContext(rest_base="", ws_market_url="", ws_user_url="",
                     credentials=Credentials("organizations/o/apiKeys/k", secret))
    result = run_check(crashing_check, ctx)
    assert result.status == Status.ERROR
    assert result.codes == ["CHECK_CRASHED"]
    assert "RuntimeError" in result.summary
    body = secret.strip().splitlines()[1]
    assert body not in result.summary and body not in caplog.text
    assert result.duration_ms >= 0


def test_unknown_check_is_an_error_not_an_exception():
    ctx = RunContext(rest_base="", ws_market_url="", ws_user_url="")
    result = run_check("no.such.check", ctx)
    assert result.status == Status.ERROR


def test_run_check_times_the_check_and_marks_an_overrun():
    ctx = RunContext(rest_base="", ws_market_url="", ws_user_url="", customer_jwt="x.y.z",
                     deadline=time.monotonic() - 5, options={"server_time": 0})
    result = run_check("jwt.inspect", ctx)
    assert isinstance(result.duration_ms, float) and result.duration_ms >= 0
    assert "CHECK_TIMEOUT" in result.codes


def test_credentials_repr_hides_the_secret():
    creds = Credentials("organizations/o/apiKeys/k", "super-secret-value")
    assert "super-secret-value" not in repr(creds) and "super-secret-value" not in str(creds)


_URLISH = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["https://", "wss://", "http://[", "https://https://", "api.coinbase.com",
                     "//", "[::1]", "127.0.0.1:1", "?", "#", "@", "/api/v3/brokerage"]),
).map(str)


@hyp_settings(max_examples=150, deadline=None)
@given(rest=st.lists(_URLISH, max_size=3).map("".join),
       ws=st.lists(_URLISH, max_size=3).map("".join),
       request_line=st.text(max_size=60), product=st.text(max_size=20))
def test_checks_never_crash_on_hostile_targets(rest, ws, request_line, product):
    from django.conf import settings as django_settings

    original = django_settings.DIAGNOSTICS_ALLOWED_HOSTS
    django_settings.DIAGNOSTICS_ALLOWED_HOSTS = ["api.coinbase.com"]
    try:
        ctx = RunContext(rest_base=rest, ws_market_url=ws, ws_user_url=ws, product_id=product,
                         customer_jwt="eyJhbGciOiJub25lIn0.eyJ1cmkiOiJHRVQgeCJ9.",
                         customer_request=request_line, deadline=time.monotonic() + 2,
                         options={"server_time": 0, "jwt_use": "rest"})
        for check_id in ("reach.rest", "reach.ws_market", "jwt.inspect", "ws.market"):
            result = run_check(check_id, ctx)
            assert "CHECK_CRASHED" not in result.codes, (check_id, result.summary)
    finally:
        django_settings.DIAGNOSTICS_ALLOWED_HOSTS = original


def test_checks_only_ever_read():
    """Diagnostics never place, edit or cancel anything: every call a check makes is a GET."""
    folder = codes.DOCS_PATH.parent.parent / "diagnostics" / "checks"
    source = "".join(p.read_text() for p in folder.glob("*.py"))
    methods = re.findall(r'(?:\.call|request)\(\s*"([A-Z]+)"', source)
    assert methods and set(methods) == {"GET"}
    assert "/orders\"" not in source.replace("/orders/historical", "")
