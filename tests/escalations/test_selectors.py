"""Radar signals from diagnostic runs and escalations, SLA targets, similar cases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalations.models import SlaTarget
from escalations.selectors import radar_now, similar_cases, sla_targets_for
from escalations.services import packet_draft
from tests.fixtures.escalations import add_check_runs, canary_kit
from triage.models import Case, Scenario
from triage.services import case_create

pytestmark = pytest.mark.django_db


def ws_case(agent, number, *, practice=False):
    case = case_create(
        subject=f"User channel refuses JWT #{number}",
        scenario=Scenario.objects.get(slug="websocket-auth-rate-limits"),
        created_by=agent,
        key_prefix=f"{number:04d}abcd-key",
        is_practice=practice,
    )
    add_check_runs(case, token=canary_kit().jwt, runs=1)
    return case


def test_three_developers_failing_alike_raise_the_radar(agent):
    cases = [ws_case(agent, n) for n in range(3)]
    incidents = radar_now(now=timezone.now())
    ws = [i for i in incidents if i.code == "WS_AUTH_FAILED"]
    assert len(ws) == 1
    assert ws[0].endpoint == "wss://advanced-trade-ws-user.coinbase.com"
    assert ws[0].prefixes == ["0000abcd", "0001abcd", "0002abcd"]
    assert {s.url for s in ws[0].signals} == {c.get_absolute_url() for c in cases}
    # A fourth developer's packet sees the subscription issue as widespread (criterion 2).
    fourth = ws_case(agent, 3)
    doc = packet_draft(case=fourth, by=agent, refs=[], summary="", steps_tried="")
    assert doc["criteria"][1]["met"] is True
    assert "4 distinct key prefixes" in doc["criteria"][1]["reason"]


def test_fail_radar_ignores_practice_and_old_signals(agent, settings):
    ws_case(agent, 0)
    ws_case(agent, 1)
    ws_case(agent, 2, practice=True)
    assert radar_now(now=timezone.now()) == []
    settings.ESCALATIONS_RADAR_MIN_PREFIXES = 2
    assert len(radar_now(now=timezone.now())) == 2  # KEY_UNAUTHORIZED and WS_AUTH_FAILED
    assert radar_now(now=timezone.now() + timedelta(minutes=31)) == []


def test_sla_targets_prefer_the_scenario_row():
    scenario = Scenario.objects.get(slug="insufficient-funds")
    assert sla_targets_for(scenario_id=scenario.pk, priority="high")["escalation"] == 240
    SlaTarget.objects.create(scenario=None, priority="high", escalation_minutes=100)
    assert sla_targets_for(scenario_id=scenario.pk, priority="high")["escalation"] == 100
    SlaTarget.objects.create(scenario=scenario, priority="high", escalation_minutes=50)
    assert sla_targets_for(scenario_id=scenario.pk, priority="high")["escalation"] == 50


def test_similar_cases_share_codes_with_outcome(agent):
    first, second = ws_case(agent, 0), ws_case(agent, 1)
    Case.objects.filter(pk=second.pk).update(resolution="Customer rotated the key.")
    rows = similar_cases(case=first, now=timezone.now())
    assert [r.reference for r in rows] == [second.reference]
    assert rows[0].shared == ["KEY_UNAUTHORIZED", "WS_AUTH_FAILED"]
    assert rows[0].outcome == "Customer rotated the key."
    lonely = case_create(subject="Nothing run", scenario=first.scenario, created_by=agent)
    assert similar_cases(case=lonely, now=timezone.now()) == []
