"""Hostile input: property tests over the parsers and every form of the product.

- The JWT decoder, the key loaders and signature verification only ever fail with their
  own documented error, whatever they are given (the run-level checks have their own
  property tests in tests/diagnostics).
- The evidence parser either parses or raises a ValidationError with a message; what it
  keeps is never silently cut, and over the size limit it says so with both sizes.
- Every form, reached through the test client as the role allowed to post it, answers
  random junk without a 500; a refused submission carries a visible error message.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnostics import jwt_tools
from diagnostics.forms import RunForm
from escalations.forms import PacketForm, QueueFilterForm, ReviewForm
from integrations.forms import (
    ImportForm,
    ReplyAppendForm,
    ReplyDraftForm,
    TokenForm,
    WebhookEndpointForm,
)
from practice.forms import AssignForm, DiagnoseForm, SubmitForm
from practice.models import AttemptStatus, PracticeAttempt
from tests.fixtures.diagnostics import make_case
from tests.security.test_permission_matrix import world  # noqa: F401 - fixture
from tests.security.urlmap import build_url, url_patterns
from triage.evidence import DEFAULT_MAX_BYTES, EvidenceError, parse_evidence
from triage.forms import (
    AddChecklistForm,
    CaseCreateForm,
    CaseDetailsForm,
    ChecklistItemForm,
    EvidenceForm,
    NoteForm,
    TransitionForm,
)
from triage.models import Evidence
from triage.services import evidence_add

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

junk_text = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.sampled_from(["", " ", "\x00", "-1", "0", "1e309", "NaN", "9" * 40, "<script>x</script>",
                     "' OR 1=1 --", "../../etc/passwd", "http://169.254.169.254/", "%00",
                     "a" * 5000, "BTC-USD", "true", "[]", "{}", "null", "\ud800"]),
)


# --- parsers -----------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=200).map(
    lambda b: b.decode("latin-1")), st.lists(st.text(max_size=60), max_size=4).map(".".join)))
def test_jwt_and_key_parsers_only_fail_with_their_own_error(value):
    decoded = jwt_tools.decode_unverified(value)  # documented: never raises
    assert isinstance(decoded.problems, list)
    for loader in (jwt_tools.load_private_key, jwt_tools.load_public_key):
        try:
            loader(value)
        except jwt_tools.KeyMaterialError as exc:
            assert str(exc)
            if len(value.strip()) >= 12:
                assert value.strip() not in str(exc)
    verified, reason = jwt_tools.verify_signature(value, value)
    assert verified is False and reason


@settings(max_examples=100, deadline=None)
@given(raw=st.one_of(
    st.text(max_size=2000),
    st.builds(lambda m, p, h, b: f"{m} {p} HTTP/1.1\nHost: api.coinbase.com\n{h}\n\n{b}",
              st.sampled_from(["GET", "POST", "BREW", ""]), st.text(max_size=80),
              st.text(max_size=200), st.text(max_size=400)),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                 lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                 max_leaves=20).map(lambda v: __import__("json").dumps(v)),
), kind=st.sampled_from([None, "rest", "json", "ws", "har", "text"]))
def test_evidence_parser_parses_or_explains(raw, kind):
    try:
        parsed = parse_evidence(raw, kind)
    except EvidenceError as exc:
        assert str(exc).strip()
        return
    assert parsed.raw is not None


def test_evidence_over_the_limit_is_refused_with_both_sizes_and_nothing_is_cut(agent_client,
                                                                              case):
    url = reverse("triage:evidence_create", args=[case.pk])
    line = "2026-11-24T09:00:00Z GET /api/v3/brokerage/accounts 200 x-request-id abc\n"
    just_under = line * ((DEFAULT_MAX_BYTES - 100) // len(line))
    over = just_under + line * 10
    response = agent_client.post(url, {"raw": over, "kind": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert b"the limit is 256 KB" in response.content
    assert not Evidence.objects.filter(case=case).exists()
    response = agent_client.post(url, {"raw": just_under, "kind": ""})
    assert response.status_code == 302
    stored = Evidence.objects.get(case=case)
    assert stored.raw == just_under.strip("\n"), "kept whole, not truncated"


def test_a_body_past_the_upload_limit_is_refused_unread(agent_client, case, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    url = reverse("triage:evidence_create", args=[case.pk])
    response = agent_client.post(url, {"raw": "x" * 20_000})
    assert response.status_code == 422
    assert b"far too large" in response.content


def test_evidence_service_refuses_oversize_without_truncating(case, agent):
    with pytest.raises(ValidationError) as caught:
        evidence_add(case=case, raw="y" * (DEFAULT_MAX_BYTES + 1), kind=None, by=agent)
    assert "the limit is" in " ".join(caught.value.messages)


# --- every form ---------------------------------------------------------------------------

FORMS = {
    "login": ["username", "password"],
    "triage:case_create": list(CaseCreateForm.base_fields) + ["preview"],
    "triage:case_update": list(CaseDetailsForm.base_fields),
    "triage:case_transition": list(TransitionForm.base_fields),
    "triage:case_note_create": list(NoteForm.base_fields),
    "triage:checklist_add": list(AddChecklistForm.base_fields),
    "triage:checklist_item_update": list(ChecklistItemForm.base_fields),
    "triage:evidence_create": list(EvidenceForm.base_fields),
    "diagnostics:run_create": list(RunForm.base_fields),
    "escalations:packet_builder": list(PacketForm.base_fields) + ["preview"],
    "escalations:escalation_review": list(ReviewForm.base_fields),
    "integrations:import_create": [f for f in ImportForm.base_fields if f != "file"],
    "integrations:reply_append": list(ReplyAppendForm.base_fields),
    "integrations:reply_save": list(ReplyDraftForm.base_fields),
    "integrations:token_list": list(TokenForm.base_fields),
    "integrations:webhook_list": list(WebhookEndpointForm.base_fields),
    "practice:attempt_assign": list(AssignForm.base_fields),
    "practice:attempt_diagnose": list(DiagnoseForm.base_fields),
    "practice:attempt_submit": list(SubmitForm.base_fields),
}
GET_FORMS = {
    "triage:case_list": ["q", "status", "scenario", "priority", "assignee", "page", "scope"],
    "escalations:escalation_queue": list(QueueFilterForm.base_fields) + ["page"],
    "triage:case_create": ["scenario", "subject"],
}
LEAD_ONLY = {"escalations:escalation_review", "integrations:token_list",
             "integrations:webhook_list", "practice:attempt_assign",
             "escalations:escalation_queue"}
ERROR_MARKS = (b'role="alert"', b"field-error", b'class="errors"', b"errorlist",
               b'class="messages"', b"error")


# Endpoints that take a POST without form fields (a button), or JSON (the API, fuzzed with
# schemathesis in tests/integrations).
NO_FORM = {"logout", "escalations:notification_list", "integrations:token_revoke",
           "integrations:delivery_replay", "practice:scenario_start", "practice:attempt_start",
           "api:case_create", "api:evidence_create", "api:openapi-json", "api:api-root"}


def test_every_form_is_listed():
    from tests.security.test_permission_matrix import MATRIX

    posting = {name for name, (methods, _) in MATRIX.items() if "POST" in methods}
    assert posting - NO_FORM == set(FORMS), "list the new form in FORMS (or NO_FORM)"


@pytest.fixture
def active_world(world, agent):  # noqa: F811 - the matrix's world fixture
    """The world, with the agent's practice attempt under way (its own case)."""
    attempt = world["attempt"]
    PracticeAttempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.ACTIVE, case=make_case(by=agent), started_at=timezone.now())
    return world


@pytest.mark.parametrize("name", sorted(FORMS))
def test_junk_posted_to_a_form_never_gives_a_500(name, active_world, agent, lead):
    pattern = next(p for p in url_patterns() if p.name == name)
    url = build_url(pattern, active_world)
    client = Client()
    if name != "login":
        client.force_login(lead if name in LEAD_ONLY else agent)
    fields = FORMS[name]

    @FAST
    @given(data=st.dictionaries(st.sampled_from(fields), st.lists(junk_text, min_size=1,
                                                                   max_size=3), max_size=8),
           htmx=st.booleans())
    def post_junk(data, htmx):
        data = {k: [v.replace("\ud800", "?") for v in vs] for k, vs in data.items()}
        response = client.post(url, data, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code < 500, (data, response.status_code)
        if response.status_code in (400, 422):
            assert any(mark in response.content for mark in ERROR_MARKS), response.content[:500]

    post_junk()


@pytest.mark.parametrize("name", sorted(GET_FORMS))
def test_junk_in_filters_never_gives_a_500(name, world, agent, lead):  # noqa: F811
    url = reverse(name)
    client = Client()
    client.force_login(lead if name in LEAD_ONLY else agent)

    @FAST
    @given(params=st.dictionaries(st.sampled_from(GET_FORMS[name]), junk_text, max_size=5))
    def get_junk(params):
        params = {k: v.replace("\ud800", "?").replace("\x00", "") for k, v in params.items()}
        response = client.get(url, params)
        assert response.status_code < 500, (params, response.status_code)

    get_junk()
