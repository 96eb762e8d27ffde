"""The three "when to escalate" criteria, each evaluated with its reason."""

from escalations.criteria import CriteriaInput, RunFinding, criteria_evaluate


def passing_token_and_endpoint(run="r1"):
    return [
        RunFinding(run, "jwt.inspect", "pass"),
        RunFinding(run, "reach.rest", "pass"),
    ]


def auth_failures(*runs):
    return [RunFinding(run, "key.permissions", "fail", ["KEY_UNAUTHORIZED"]) for run in runs]


def first(data):
    return criteria_evaluate(data)[0]


def test_auth_met_when_two_runs_fail_while_token_and_endpoint_pass():
    result = first(CriteriaInput(findings=passing_token_and_endpoint() + auth_failures("r1", "r2")))
    assert result.met is True
    assert (
        "2 runs" in result.reason and "token checks and the endpoint checks pass" in result.reason
    )


def test_auth_counts_401_evidence_as_a_failing_run():
    data = CriteriaInput(
        findings=passing_token_and_endpoint() + auth_failures("r1"),
        rest_statuses=[("evidence:4", 401)],
    )
    assert first(data).met is True


def test_fail_auth_once_is_not_consistent():
    result = first(CriteriaInput(findings=passing_token_and_endpoint() + auth_failures("r1")))
    assert result.met is False
    assert "1 run(s)" in result.reason


def test_fail_auth_with_a_token_problem_points_at_the_token():
    findings = auth_failures("r1", "r2") + [
        RunFinding("r1", "jwt.inspect", "fail", ["JWT_EXPIRED"]),
        RunFinding("r1", "reach.rest", "pass"),
    ]
    result = first(CriteriaInput(findings=findings))
    assert result.met is False
    assert "JWT_EXPIRED" in result.reason and "fix the token first" in result.reason


def test_fail_auth_with_a_wrong_host_points_at_the_endpoint():
    findings = auth_failures("r1", "r2") + [
        RunFinding("r1", "jwt.inspect", "pass"),
        RunFinding("r1", "reach.rest", "fail", ["HOST_WRONG"]),
    ]
    result = first(CriteriaInput(findings=findings))
    assert result.met is False and "HOST_WRONG" in result.reason


def test_fail_auth_without_passing_checks_is_not_proven():
    result = first(CriteriaInput(findings=auth_failures("r1", "r2")))
    assert result.met is False
    assert "no passing token or endpoint check" in result.reason


def test_fail_auth_explained_by_ip_allowlist():
    findings = passing_token_and_endpoint() + auth_failures("r1", "r2")
    findings.append(RunFinding("r2", "key.permissions", "fail", ["KEY_IP_NOT_ALLOWED"]))
    result = first(CriteriaInput(findings=findings))
    assert result.met is False and "KEY_IP_NOT_ALLOWED" in result.reason


def test_order_discrepancy_meets_criterion_two():
    data = CriteriaInput(
        findings=[RunFinding("r1", "orders.history", "fail", ["PAGINATION_INCONSISTENT"])]
    )
    result = criteria_evaluate(data)[1]
    assert result.met is True and "PAGINATION_INCONSISTENT" in result.reason


def test_subscription_issue_is_widespread_only_across_enough_prefixes():
    findings = [RunFinding("r1", "ws.user", "fail", ["WS_SUBSCRIBE_TIMEOUT"])]
    alone = CriteriaInput(findings=findings, own_prefix="aaaa1111")
    assert criteria_evaluate(alone)[1].met is False
    assert "1 key prefix(es)" in criteria_evaluate(alone)[1].reason
    spread = CriteriaInput(
        findings=findings,
        own_prefix="aaaa1111",
        prefixes_by_code={"WS_SUBSCRIBE_TIMEOUT": {"bbbb2222", "cccc3333"}},
    )
    results = criteria_evaluate(spread)
    assert results[1].met is True and "3 distinct key prefixes" in results[1].reason
    assert results[2].met is True


def test_ws_instability_needs_multiple_developers():
    findings = [RunFinding("r1", "ws.market", "fail", ["WS_SEQUENCE_GAP"])]
    data = CriteriaInput(
        findings=findings, own_prefix="a", prefixes_by_code={"WS_SEQUENCE_GAP": {"b"}}
    )
    result = criteria_evaluate(data)[2]
    assert result.met is False and "2 developer(s)" in result.reason
    assert criteria_evaluate(CriteriaInput(findings=[]))[2].met is False


def test_titles_and_keys_come_from_the_knowledge_rows():
    rows = [("auth", "A"), ("orders", "B"), ("ws", "C")]
    results = criteria_evaluate(CriteriaInput(findings=[]), rows)
    assert [(r.key, r.title) for r in results] == rows
    assert all(r.reason for r in results)
