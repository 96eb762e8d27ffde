"""Pagination replay over crafted HAR files and logs, one mistake per scenario."""

import pytest

from diagnostics.checks.base import Status
from integrations.analyzers.pagination import pagination_replay
from integrations.evidence.importers import import_evidence
from tests.integrations.evidence_files import ACCOUNTS, FILLS, FORMATS, ORDERS, Call, page

SCENARIOS = {
    "clean": (
        [
            Call(0, f"{ACCOUNTS}?limit=50", body=page(True, "c1")),
            Call(1, f"{ACCOUNTS}?limit=50&cursor=c1", body=page(True, "c2")),
            Call(2, f"{ACCOUNTS}?limit=50&cursor=c2", body=page(False, "")),
        ],
        set(),
    ),
    # ccxt#22780: the loop kept sending the first cursor, each account came back 10 times.
    "cursor_reused": (
        [
            Call(0, f"{ACCOUNTS}?limit=50", body=page(True, "c1")),
            Call(1, f"{ACCOUNTS}?limit=50&cursor=c1", body=page(True, "c2")),
            Call(2, f"{ACCOUNTS}?limit=50&cursor=c1", body=page(True, "c2")),
            Call(3, f"{ACCOUNTS}?limit=50&cursor=c2", body=page(False, "")),
        ],
        {"PAGINATION_CURSOR_REUSED"},
    ),
    # ccxt#19844: has_next ignored, the first page fetched again without the cursor.
    "cursor_ignored": (
        [
            Call(0, f"{ORDERS}?limit=100&order_status=OPEN", body=page(True, "o1")),
            Call(2, f"{ORDERS}?limit=100&order_status=OPEN", body=page(True, "o1")),
            Call(4, f"{ORDERS}?limit=100&order_status=OPEN&cursor=o1", body=page(False, "")),
        ],
        {"PAGINATION_CURSOR_IGNORED"},
    ),
    "limit_changed": (
        [
            Call(0, f"{ORDERS}?limit=100", body=page(True, "o1")),
            Call(1, f"{ORDERS}?limit=250&cursor=o1", body=page(False, "")),
        ],
        {"PAGINATION_LIMIT_CHANGED"},
    ),
    "restarted": (
        [
            Call(0, f"{ACCOUNTS}?limit=49", body=page(True, "c1")),
            Call(1, f"{ACCOUNTS}?limit=49&cursor=c1", body=page(True, "c2")),
            Call(2, f"{ACCOUNTS}?limit=49", body=page(True, "c1")),
            Call(3, f"{ACCOUNTS}?limit=49&cursor=c1", body=page(True, "c2")),
            Call(4, f"{ACCOUNTS}?limit=49&cursor=c2", body=page(False, "")),
        ],
        {"PAGINATION_RESTARTED"},
    ),
    "stopped_early": (
        [
            Call(0, f"{ACCOUNTS}?limit=49", body=page(True, "c1")),
            Call(1, f"{ACCOUNTS}?limit=49&cursor=c1", body=page(True, "c2")),
        ],
        {"PAGINATION_STOPPED_EARLY"},
    ),
    # Fills carry no has_next: a non-empty cursor means another page.
    "fills_stopped_early": (
        [Call(0, f"{FILLS}?product_ids=BTC-USD", body={"fills": [], "cursor": "f1"})],
        {"PAGINATION_STOPPED_EARLY"},
    ),
    "redundant_polling": (
        [
            Call(t, f"{ORDERS}?order_status=OPEN&limit=50", body=page(False, ""))
            for t in (0, 1, 2, 3, 4, 5)
        ],
        {"PAGINATION_REDUNDANT_POLLING"},
    ),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_codes_from_each_file_shape(scenario, fmt):
    calls, expected = SCENARIOS[scenario]
    entries = import_evidence(FORMATS[fmt](calls)).entries
    result = pagination_replay(entries)
    assert set(result.codes) == expected, result.details
    if expected:
        assert result.status in (Status.FAIL, Status.WARN)
        assert all(code.split("_", 1)[0] == "PAGINATION" for code in result.codes)
        assert result.advice
        findings = result.details["findings"]
        assert {f["code"] for f in findings} == expected
        assert all(f["entries"] for f in findings)
    else:
        assert result.status == Status.PASS


def test_slow_repeat_of_first_page_is_a_new_walk_that_stopped_early():
    calls = [
        Call(0, f"{ACCOUNTS}?limit=49", body=page(True, "c1")),
        Call(300, f"{ACCOUNTS}?limit=49", body=page(False, "")),
    ]
    result = pagination_replay(import_evidence(FORMATS["har"](calls)).entries)
    assert result.codes == ["PAGINATION_STOPPED_EARLY"]
    assert result.details["findings"][0]["entries"] == [0]


def test_polling_the_last_page_with_its_cursor_is_polling_not_reuse():
    calls = [Call(0, f"{ORDERS}?limit=50", body=page(True, "o1"))] + [
        Call(t, f"{ORDERS}?limit=50&cursor=o1", body=page(False, "")) for t in (1, 2, 3)
    ]
    result = pagination_replay(import_evidence(FORMATS["har"](calls)).entries)
    assert result.codes == ["PAGINATION_REDUNDANT_POLLING"]


def test_different_filters_are_separate_walks():
    calls = [
        Call(0, f"{ORDERS}?limit=50&product_ids=BTC-USD", body=page(False, "")),
        Call(1, f"{ORDERS}?limit=50&product_ids=ETH-USD", body=page(False, "")),
    ]
    result = pagination_replay(import_evidence(FORMATS["log"](calls)).entries)
    assert result.status == Status.PASS
    assert len(result.details["streams"]) == 2


def test_error_responses_are_not_pages():
    calls = [
        Call(0, f"{ACCOUNTS}?limit=49", body=page(True, "c1")),
        Call(1, f"{ACCOUNTS}?limit=49&cursor=c1", status=429, body={"error": "rate"}),
        Call(3, f"{ACCOUNTS}?limit=49&cursor=c1", body=page(False, "")),
    ]
    result = pagination_replay(import_evidence(FORMATS["har"](calls)).entries)
    assert result.status == Status.PASS


def test_no_list_calls_is_skipped():
    calls = [Call(0, "/api/v3/brokerage/key_permissions", body={"can_view": True})]
    result = pagination_replay(import_evidence(FORMATS["har"](calls)).entries)
    assert result.status == Status.SKIPPED
    assert result.codes == []
