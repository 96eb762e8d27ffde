from practice.scoring import WEIGHTS, ScoreInput, score_attempt

AUTH_ITEMS = ["key validity", "jwt claims", "endpoints"]
COLLECT = ["key prefix", "portfolio id", "product pair", "correlation ids"]


def make(**overrides) -> ScoreInput:
    data = {
        "expected_codes": ["JWT_EXPIRED", "CLOCK_SKEW"],
        "identified_codes": ["JWT_EXPIRED", "CLOCK_SKEW"],
        "expected_decision": "resolve",
        "decision": "resolve",
        "seconds_taken": 300,
        "target_minutes": 15,
        "checklist_items": AUTH_ITEMS,
        "checklist_items_covered": AUTH_ITEMS,
    }
    data.update(overrides)
    return ScoreInput(**data)


def test_perfect_resolve_scores_100_without_a_packet_part():
    card = score_attempt(make())
    assert card.total == 100
    assert [p.key for p in card.parts] == ["findings", "checklist", "decision", "time"]
    assert card.max_points == 100 - WEIGHTS["packet"]
    assert card.missed_codes == [] and card.wrong_codes == []
    assert card.decision_correct is True


def test_missed_finding_is_listed_and_costs_its_share():
    card = score_attempt(make(identified_codes=["JWT_EXPIRED"]))
    findings = card.parts[0]
    assert findings.points == WEIGHTS["findings"] // 2
    assert card.missed_codes == ["CLOCK_SKEW"]
    assert findings.missed == ["CLOCK_SKEW"]
    assert card.total < 100


def test_unsupported_finding_is_penalised_but_observed_extra_is_not():
    card = score_attempt(make(identified_codes=["JWT_EXPIRED", "CLOCK_SKEW", "KEY_MISSING_SCOPE"]))
    assert card.wrong_codes == ["KEY_MISSING_SCOPE"]
    assert card.parts[0].points == WEIGHTS["findings"] - 5
    card = score_attempt(make(
        identified_codes=["JWT_EXPIRED", "CLOCK_SKEW", "RATE_LIMITED"],
        observed_codes=["RATE_LIMITED"],
    ))
    assert card.wrong_codes == []
    assert card.parts[0].points == WEIGHTS["findings"]


def test_uncovered_checklist_items_are_named():
    card = score_attempt(make(checklist_items_covered=["jwt claims"]))
    checklist = card.parts[1]
    assert checklist.missed == ["key validity", "endpoints"]
    assert checklist.points == round(WEIGHTS["checklist"] / 3)


def test_escalating_a_resolvable_case_loses_the_decision():
    card = score_attempt(make(decision="escalate", criterion="auth_failures_valid_tokens"))
    decision = card.parts[2]
    assert decision.points == 0
    assert card.decision_correct is False
    assert "could resolve" in decision.summary


def test_escalation_with_wrong_criterion_gets_partial_credit_and_packet_counts():
    base = {
        "expected_decision": "escalate",
        "expected_criterion": "auth_failures_valid_tokens",
        "decision": "escalate",
        "collect_items": COLLECT,
    }
    card = score_attempt(make(**base, criterion="ws_instability_multi_developer",
                              collect_missing=["correlation ids"]))
    parts = {p.key: p for p in card.parts}
    assert parts["decision"].points == 15
    assert parts["decision"].missed == ["auth_failures_valid_tokens"]
    assert parts["packet"].missed == ["correlation ids"]
    assert parts["packet"].points == round(WEIGHTS["packet"] * 3 / 4)
    assert card.max_points == 100


def test_resolving_an_escalation_scores_no_packet():
    card = score_attempt(make(expected_decision="escalate",
                              expected_criterion="auth_failures_valid_tokens",
                              collect_items=COLLECT))
    parts = {p.key: p for p in card.parts}
    assert parts["decision"].points == 0
    assert parts["decision"].missed == ["auth_failures_valid_tokens"]
    assert parts["packet"].points == 0
    assert parts["packet"].missed == COLLECT


def test_time_decays_to_zero_at_three_times_target():
    assert score_attempt(make(seconds_taken=15 * 60)).parts[-1].points == WEIGHTS["time"]
    assert 0 < score_attempt(make(seconds_taken=25 * 60)).parts[-1].points < WEIGHTS["time"]
    assert score_attempt(make(seconds_taken=45 * 60)).parts[-1].points == 0
    assert score_attempt(make(seconds_taken=10 * 3600)).parts[-1].points == 0


def test_scorecard_serialises_to_json_types():
    import json

    data = score_attempt(make(identified_codes=[])).to_dict()
    assert json.loads(json.dumps(data))["missed_codes"] == ["JWT_EXPIRED", "CLOCK_SKEW"]
    assert data["total"] == round(100 * data["points"] / data["max_points"])
