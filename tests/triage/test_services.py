"""Case services: creation, the workflow, checklist states, proposals, evidence, timeline."""

import pytest
from django.core.exceptions import ValidationError

from tests.triage.secrets import ec_pem, jwt_parts, signed_jwt
from triage import services
from triage.models import (
    Case,
    CaseChecklistItem,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    Evidence,
    ItemState,
    Scenario,
    TimelineEvent,
)

pytestmark = pytest.mark.django_db


def test_case_create_attaches_recommended_checklists_and_logs(case, agent):
    keys = list(case.checklist_items.order_by("item__order").values_list("item__key", flat=True))
    assert keys == ["auth-key-validity", "auth-jwt-claims", "auth-endpoints"]
    assert case.assignee == agent
    assert case.key_prefix == "9f8e7d6c"
    assert case.reference == f"CASE-{case.pk:06d}"
    event = case.timeline.get()
    assert (event.kind, event.actor, event.summary) == (
        "created", agent, "Case opened: API keys are not working"
    )


def test_case_create_with_chosen_checklists(make_case):
    websocket = ChecklistTemplate.objects.get(slug="websocket")
    case = make_case(scenario_slug="other", checklists=[websocket])
    assert case.checklist_items.count() == 3
    assert make_case(scenario_slug="other").checklist_items.count() == 0


def test_case_create_rejects_bad_product_pair(make_case):
    with pytest.raises(ValidationError) as excinfo:
        make_case(product_id="btc/usd")
    assert "BTC-USD" in str(excinfo.value.message_dict["product_id"])


def test_case_keeps_the_checklist_version_it_was_opened_with(case, make_case):
    version = ChecklistTemplateVersion.objects.get(template__slug="authentication")
    newer = ChecklistTemplateVersion.objects.create(template=version.template, number=2)
    ChecklistItem.objects.create(version=newer, key="auth-new", title="A new check", order=1)
    later = make_case()
    assert set(case.checklist_items.values_list("item__version__number", flat=True)) == {1}
    assert list(later.checklist_items.values_list("item__key", flat=True)) == ["auth-new"]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["diagnosing", "escalated", "resolved", "open"], True),
        (["resolved"], True),
        (["escalated", "diagnosing"], True),
        (["resolved", "escalated"], False),
        (["escalated", "open"], False),
    ],
)
def test_transitions_follow_the_workflow(case, agent, path, allowed):
    *good, last = path
    for status in good:
        services.case_transition(case=case, to=status, by=agent)
    if allowed:
        services.case_transition(case=case, to=last, by=agent)
        assert Case.objects.get(pk=case.pk).status == last
    else:
        with pytest.raises(services.TransitionError, match="cannot go from"):
            services.case_transition(case=case, to=last, by=agent)
        assert Case.objects.get(pk=case.pk).status == good[-1]


def test_transition_to_same_or_unknown_status_is_refused(case, agent):
    with pytest.raises(services.TransitionError, match="already Open"):
        services.case_transition(case=case, to="open", by=agent)
    with pytest.raises(services.TransitionError, match="Unknown status"):
        services.case_transition(case=case, to="closed", by=agent)


def test_transition_is_on_the_timeline_with_reason(case, agent):
    services.case_transition(case=case, to="resolved", by=agent, reason="clock was 5 min off")
    event = case.timeline.filter(kind="status").get()
    assert event.summary == "Open → Resolved: clock was 5 min off"
    assert event.data == {"from": "open", "to": "resolved", "reason": "clock was 5 min off"}


def test_item_set_records_who_when_and_logs(case, agent):
    row = case.checklist_items.first()
    services.checklist_item_set(case_item=row, by=agent, state="fail", note="kid mismatch")
    row.refresh_from_db()
    assert (row.state, row.note, row.set_by, row.set_by_diagnostic) == (
        "fail", "kid mismatch", agent, False
    )
    assert row.set_at is not None
    kinds = list(case.timeline.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", "item_set", "note"]
    assert row.history.count() == 2


def test_item_note_is_redacted(case, agent):
    row = case.checklist_items.first()
    token = signed_jwt()
    services.checklist_item_set(case_item=row, by=agent, note=f"token was {token}")
    row.refresh_from_db()
    assert jwt_parts(token)[2] not in row.note
    assert jwt_parts(token)[2] not in case.timeline.get(kind="note").summary


def _row(case, key) -> CaseChecklistItem:
    return case.checklist_items.select_related("item").get(item__key=key)


def test_proposal_sets_pending_items_linked_to_the_check(case):
    rows = services.checklist_propose(
        case=case, check_id="jwt.clock_skew", state="fail", note="skew 312 s", run_id=7
    )
    assert [r.item.key for r in rows] == ["auth-jwt-claims"]
    row = _row(case, "auth-jwt-claims")
    assert (row.state, row.set_by_diagnostic, row.diagnostic_run_id) == ("fail", True, 7)
    assert _row(case, "auth-key-validity").state == "pending"
    assert case.timeline.filter(kind="diagnostic").count() == 1


def test_proposal_never_overrides_an_agents_state(case, agent):
    row = _row(case, "auth-jwt-claims")
    services.checklist_item_set(case_item=row, by=agent, state="pass")
    services.checklist_propose(case=case, check_id="jwt.inspect", state="fail", note="no kid")
    row.refresh_from_db()
    assert (row.state, row.set_by, row.set_by_diagnostic) == ("pass", agent, False)
    assert (row.diagnostic_state, row.diagnostic_note) == ("fail", "no kid")


def test_agent_overrides_a_proposal_and_later_proposals_keep_out(case, agent):
    services.checklist_propose(case=case, check_id="jwt.inspect", state="fail", run_id=1)
    row = _row(case, "auth-jwt-claims")
    services.checklist_item_set(case_item=row, by=agent, state="na")
    services.checklist_propose(case=case, check_id="jwt.inspect", state="pass", run_id=2)
    row.refresh_from_db()
    assert (row.state, row.set_by_diagnostic, row.diagnostic_state) == ("na", False, "pass")


def test_new_run_replaces_an_earlier_runs_proposal(case):
    services.checklist_propose(case=case, check_id="jwt.inspect", state="fail", run_id=1)
    services.checklist_propose(case=case, check_id="jwt.inspect", state="pass", run_id=2)
    assert _row(case, "auth-jwt-claims").state == "pass"


def test_within_one_run_the_worst_verdict_wins(case):
    services.checklist_propose(case=case, check_id="reach.rest", state="fail", run_id=3)
    services.checklist_propose(case=case, check_id="reach.ws_market", state="pass", run_id=3)
    row = _row(case, "auth-endpoints")
    assert (row.state, row.diagnostic_state) == ("fail", "fail")


def test_pending_proposal_and_unknown_state(case):
    assert services.checklist_propose(case=case, check_id="jwt.inspect", state="pending") == []
    with pytest.raises(ValidationError):
        services.checklist_propose(case=case, check_id="jwt.inspect", state="maybe")


def test_evidence_add_parses_redacts_and_logs(case, agent):
    token = signed_jwt()
    raw = (
        "GET /api/v3/brokerage/accounts HTTP/1.1\nHost: api.coinbase.com\n"
        f"Authorization: Bearer {token}\n\nHTTP/1.1 401 Unauthorized\n"
        "x-request-id: 11111111-2222-3333-4444-555555555555\n\n{}"
    )
    evidence = services.evidence_add(case=case, raw=raw, by=agent)
    evidence.refresh_from_db()
    assert evidence.title == "GET https://api.coinbase.com/api/v3/brokerage/accounts → 401"
    assert evidence.correlation_ids[0]["value"] == "11111111-2222-3333-4444-555555555555"
    signature = jwt_parts(token)[2]
    stored = " ".join(
        str(v) for v in Evidence.objects.filter(pk=evidence.pk).values().get().values()
    )
    assert signature not in stored
    assert signature not in str(list(evidence.history.values()))
    event = case.timeline.get(kind="evidence")
    assert "11111111-2222-3333-4444-555555555555" in event.summary


def test_evidence_add_bad_input_is_a_validation_error(case, settings):
    with pytest.raises(ValidationError) as excinfo:
        services.evidence_add(case=case, raw="  ")
    assert "Paste the request" in excinfo.value.message_dict["raw"][0]
    settings.TRIAGE_EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as excinfo:
        services.evidence_add(case=case, raw="y" * 5000)
    assert "the limit is 1 KB" in excinfo.value.message_dict["raw"][0]
    assert not case.evidence.exists()


def test_case_update_reduces_key_prefix_and_logs_fields(case, agent):
    services.case_update(case=case, by=agent, key_prefix=ec_pem(), product_id="eth-usd")
    case.refresh_from_db()
    assert (case.key_prefix, case.product_id) == ("", "ETH-USD")
    event = case.timeline.get(kind="updated")
    assert event.data == {"fields": ["key_prefix", "product_id"]}


def test_case_update_unchanged_writes_nothing(case, agent):
    services.case_update(case=case, by=agent, product_id="BTC-USD")
    assert case.timeline.count() == 1


def test_timeline_add_redacts_and_validates_kind(case):
    token = signed_jwt()
    event = services.timeline_add(
        case=case, kind="integration", summary=f"imported {token}", data={"jwt": token}
    )
    assert jwt_parts(token)[2] not in event.summary + str(event.data)
    with pytest.raises(ValidationError):
        services.timeline_add(case=case, kind="nonsense", summary="x")


def test_case_add_checklists_skips_templates_already_there(case, agent):
    auth = ChecklistTemplate.objects.get(slug="authentication")
    ws = ChecklistTemplate.objects.get(slug="websocket")
    created = services.case_add_checklists(case=case, templates=[auth, ws], by=agent)
    assert len(created) == 3
    assert case.checklist_items.count() == 6
    added = TimelineEvent.objects.filter(case=case, summary__startswith="Checklist added")
    assert added.count() == 1


def test_practice_cases_are_left_out_of_the_default_list(make_case):
    from triage.selectors import case_list

    real, practice = make_case(), make_case(is_practice=True)
    assert list(case_list()) == [real]
    assert set(case_list(include_practice=True)) == {real, practice}
    assert Scenario.objects.count() == 5
    assert ItemState.values == ["pending", "pass", "fail", "na"]


def test_item_set_keeps_a_proposal_made_after_the_row_was_loaded(case, agent):
    row = _row(case, "auth-jwt-claims")
    services.checklist_propose(case=case, check_id="jwt.inspect", state="fail", note="no kid",
                               run_id=9)
    services.checklist_item_set(case_item=row, by=agent, state="pass")
    row.refresh_from_db()
    assert (row.state, row.diagnostic_state, row.diagnostic_run_id) == ("pass", "fail", 9)


def test_case_update_never_writes_back_a_stale_status(case, agent):
    stale = Case.objects.get(pk=case.pk)
    services.case_transition(case=case, to="escalated", by=agent)
    services.case_update(case=stale, by=agent, priority="urgent")
    case.refresh_from_db()
    assert (case.status, case.priority) == ("escalated", "urgent")
