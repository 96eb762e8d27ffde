"""Incident radar grouping and SLA timers."""

from datetime import UTC, datetime, timedelta

from escalations.radar import Signal, prefixes_by_code, radar_incidents, radar_thresholds
from escalations.sla import default_targets, sla_timers

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
EP = "/api/v3/brokerage/accounts"


def sig(prefix, minutes, code="KEY_UNAUTHORIZED", endpoint=EP, ref=None):
    return Signal(prefix, code, endpoint, T0 + timedelta(minutes=minutes), ref or f"e:{prefix}")


def test_three_prefixes_within_the_window_make_an_incident():
    incidents = radar_incidents([sig("a", 0), sig("b", 10), sig("c", 29), sig("d", 90)])
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident.prefixes == ["a", "b", "c"]
    assert (incident.code, incident.endpoint) == ("KEY_UNAUTHORIZED", EP)
    assert incident.first_at == T0 and incident.last_at == T0 + timedelta(minutes=29)


def test_fail_spread_beyond_the_window():
    assert radar_incidents([sig("a", 0), sig("b", 20), sig("c", 41)]) == []


def test_fail_same_prefix_repeated():
    assert radar_incidents([sig("a", 0), sig("a", 1), sig("a", 2), sig("b", 3)]) == []


def test_fail_different_signatures():
    signals = [sig("a", 0), sig("b", 1, endpoint="/api/v3/brokerage/orders"), sig("c", 2)]
    signals.append(sig("d", 3, code="RATE_LIMITED"))
    assert radar_incidents(signals) == []


def test_thresholds_are_settings_read_at_call_time(settings):
    signals = [sig("a", 0), sig("b", 50)]
    assert radar_incidents(signals) == []
    settings.ESCALATIONS_RADAR_MIN_PREFIXES = 2
    settings.ESCALATIONS_RADAR_WINDOW_MINUTES = 60
    assert radar_thresholds() == (2, timedelta(minutes=60))
    assert [i.prefixes for i in radar_incidents(signals)] == [["a", "b"]]


def test_prefixes_by_code():
    spread = prefixes_by_code([sig("a", 0), sig("b", 1), sig("b", 2, code="X_Y")])
    assert spread == {"KEY_UNAUTHORIZED": {"a", "b"}, "X_Y": {"b"}}


def test_sla_timers_states():
    targets = {"first_diagnosis": 60, "escalation": 240, "resolution": None}
    now = T0 + timedelta(hours=5)
    timers = sla_timers(
        targets=targets,
        opened_at=T0,
        milestones={"first_diagnosis": T0 + timedelta(minutes=30)},
        now=now,
    )
    states = {t.stage: t.state for t in timers}
    assert states == {"first_diagnosis": "met", "escalation": "overdue", "resolution": "none"}
    escalation = timers[1]
    assert escalation.is_breached and escalation.remaining_text == "-1h 00m"
    late = sla_timers(
        targets=targets,
        opened_at=T0,
        milestones={"first_diagnosis": T0 + timedelta(minutes=61)},
        now=now,
    )
    assert late[0].state == "breached"


def test_default_targets_come_from_settings(settings):
    assert default_targets("urgent")["escalation"] == 120
    settings.ESCALATIONS_SLA_DEFAULTS = {"normal": {"first_diagnosis": 5}}
    assert default_targets("unknown") == {"first_diagnosis": 5}
