"""Arbitrary input never crashes the importers: it imports or raises EvidenceFormatError."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnostics.checks.base import Status
from integrations.analyzers.pagination import pagination_replay
from integrations.analyzers.rate_limit import rate_limit_replay
from integrations.evidence.importers import EvidenceFormatError, import_evidence

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**13), st.floats(),
                    st.text(max_size=30))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["log", "entries", "request", "response", "url", "method", "status",
                         "headers", "content", "text", "postData", "startedDateTime", "time",
                         "item", "name", "value", "key", "header", "code", "body",
                         "originalRequest", "encoding", "raw", "host", "path", "query"]),
        inner, max_size=6),
    max_leaves=25,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _run(text: str) -> None:
    try:
        entries = import_evidence(text).entries
    except EvidenceFormatError:
        return
    for result in (pagination_replay(entries), rate_limit_replay(entries)):
        assert result.status in set(Status)
        assert all(isinstance(code, str) and code.isupper() for code in result.codes)
        assert result.summary


@FUZZ
@given(st.text(max_size=400))
def test_any_text(text):
    _run(text)


@FUZZ
@given(json_values)
def test_any_har_or_postman_shaped_json(value):
    _run(json.dumps({"log": {"entries": [value]}}))
    _run(json.dumps({"item": [value]}))
    _run(json.dumps(value))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["2026-11-24T10:00:00Z", "1795514400", "bad"]),
                          st.sampled_from(["GET", "POST", "get"]),
                          st.text(min_size=1, max_size=40).filter(lambda s: " " not in s),
                          st.integers(0, 999), st.text(max_size=40)), max_size=8))
def test_any_log_lines(lines):
    _run("\n".join(" ".join(map(str, parts)) for parts in lines))
