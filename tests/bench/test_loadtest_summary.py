"""The load run's summary: requests grouped by kind, percentiles, failures kept."""

from __future__ import annotations

from loadtest.__main__ import markdown, summarise

SETUP = {"database": "postgresql", "broker": "redis", "load_average": [1.0, 2.0],
         "cpu_seconds": {"web": 10.0, "worker": 2.0}}


def test_pages_and_htmx_are_summarised_apart_and_login_is_left_out():
    raw = {
        "samples": {"page: case": [float(n) for n in range(1, 101)],
                    "htmx: checklist item": [5.0] * 18 + [500.0] * 2,
                    "login": [9999.0]},
        "failures": [], "requests": 121, "failed": 0,
    }
    result = summarise(raw, users=50, seconds=60, setup=SETUP)
    assert result["by_kind"]["page"]["requests"] == 100
    assert result["by_kind"]["page"]["p95_ms"] == 95.0
    assert result["by_kind"]["htmx"] == {"requests": 20, "median_ms": 5.0, "p95_ms": 500.0,
                                         "max_ms": 500.0}
    assert result["by_name"]["login"]["requests"] == 1
    assert result["throughput_rps"] == round(121 / 60, 1)
    text = markdown(result)
    assert "| all page requests | 100 |" in text
    assert "0 failed" in text


def test_failures_are_listed():
    raw = {"samples": {"page: case": [10.0]}, "requests": 2, "failed": 1,
           "failures": [{"name": "page: case", "method": "GET", "error": "HTTP 500",
                         "occurrences": 1}]}
    result = summarise(raw, users=1, seconds=10, setup=SETUP)
    assert result["failed"] == 1
    assert "Failure: GET page: case: HTTP 500 (1×)" in markdown(result)
