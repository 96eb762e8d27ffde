"""Rate-limit replay over crafted HAR files and logs."""

import pytest

from diagnostics.checks.base import Status
from integrations.analyzers.rate_limit import rate_limit_replay
from integrations.evidence.importers import import_evidence
from tests.integrations.evidence_files import ACCOUNTS, FORMATS, Call

TICKER = "/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1"
ORDER = "/api/v3/brokerage/orders/historical/8f2d8a1c-3b7e-4c55-9a55-0f7b1b2c3d4e"


def _spread(path, count, start=0.0, seconds=1.0, **kwargs):
    return [Call(start + i * seconds / count, path, **kwargs) for i in range(count)]


def _retries(waits, final_status=200, path=ORDER):
    """A 429, then retries after each wait (measured from the end of the previous call)."""
    calls, t = [], 0.0
    for wait in waits:
        calls.append(Call(t, path, status=429, body={"error": "rate limit exceeded"},
                          duration_ms=100))
        t += 0.1 + wait
    calls.append(Call(t, path, status=final_status, body={"order": {}}, duration_ms=100))
    return calls


SCENARIOS = {
    "under_limits": (_spread(ACCOUNTS, 25) + _spread(TICKER, 8), set()),
    "private_burst": (_spread(ACCOUNTS, 45), {"RATE_LIMIT_BURST"}),
    "public_burst": (_spread(TICKER, 15), {"RATE_LIMIT_BURST"}),
    "immediate_retries": (_retries([0.05, 0.05, 0.05]), {"RATE_LIMIT_NO_BACKOFF"}),
    "fixed_delay_retries": (_retries([1.0, 1.0, 1.0, 1.0]), {"RATE_LIMIT_NO_BACKOFF"}),
    "backoff_without_jitter": (_retries([1.0, 2.0, 4.0, 8.0]), {"RATE_LIMIT_NO_JITTER"}),
    "backoff_with_jitter": (_retries([0.8, 2.3, 3.9, 9.4]), set()),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_codes_from_each_file_shape(scenario, fmt):
    calls, expected = SCENARIOS[scenario]
    result = rate_limit_replay(import_evidence(FORMATS[fmt](calls)).entries)
    assert set(result.codes) == expected, result.details
    assert result.status == (Status.PASS if not expected else result.status)
    if "RATE_LIMIT_NO_BACKOFF" in expected:
        assert result.status == Status.FAIL


def test_burst_counts_requests_that_would_have_drawn_429s():
    result = rate_limit_replay(import_evidence(FORMATS["har"](_spread(ACCOUNTS, 45))).entries)
    finding = result.details["findings"][0]
    assert finding["code"] == "RATE_LIMIT_BURST"
    assert len(finding["entries"]) == 15  # 45 calls in one second, 30 allowed
    classes = result.details["classes"]
    assert classes == [{"class": "private", "scope": "key", "calls": 45,
                        "peak_per_second": 45, "limit_per_second": 30}]


def test_two_keys_each_under_the_limit_are_not_a_burst(jwt_for):
    calls = []
    for key, start in (("aaaaaaaa-1111", 0.0), ("bbbbbbbb-2222", 0.01)):
        calls += _spread(ACCOUNTS, 25, start=start,
                         request_headers={"Authorization": f"Bearer {jwt_for(key)}"})
    result = rate_limit_replay(import_evidence(FORMATS["har"](calls)).entries)
    assert result.status == Status.PASS
    assert sorted(c["scope"] for c in result.details["classes"]) == ["aaaaaaaa", "bbbbbbbb"]


def test_retry_after_header_is_honoured():
    early = [
        Call(0, ORDER, status=429, response_headers={"Retry-After": "2"}, duration_ms=0),
        Call(1.0, ORDER, status=200, body={"order": {}}),
    ]
    late = [
        Call(0, ORDER, status=429, response_headers={"Retry-After": "2"}, duration_ms=0),
        Call(2.5, ORDER, status=200, body={"order": {}}),
    ]
    assert rate_limit_replay(import_evidence(FORMATS["har"](early)).entries).codes == [
        "RATE_LIMIT_NO_BACKOFF"
    ]
    assert rate_limit_replay(import_evidence(FORMATS["har"](late)).entries).status == Status.PASS


def test_untimed_or_foreign_calls_are_skipped():
    text = '{"log": {"entries": [{"request": {"method": "GET", "url": "https://example.com/"},' \
           ' "response": {"status": 200}}]}}'
    result = rate_limit_replay(import_evidence(text).entries)
    assert result.status == Status.SKIPPED
