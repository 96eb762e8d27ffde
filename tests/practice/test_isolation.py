"""Two practice attempts at once on one sandbox do not affect each other."""

import pytest

from diagnostics.models import CheckRun
from practice.models import PracticeScenario
from practice.services import attempt_begin, attempt_run_diagnostics
from tests.practice.test_library_e2e import wait_for_runs

pytestmark = [pytest.mark.worker, pytest.mark.sandbox]
CHECKS = ["rate_limit", "balances", "key.permissions"]


def codes_of(run) -> set[str]:
    return {c for codes in CheckRun.objects.filter(run=run).values_list("codes", flat=True)
            for c in codes}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_attempts_keep_their_own_faults_and_funds(
    worker_process, practice_sandbox, agent, other_agent
):
    storm = attempt_begin(scenario=PracticeScenario.objects.get(slug="pagination-429-storm"),
                          trainee=agent)
    funds = attempt_begin(scenario=PracticeScenario.objects.get(slug="funds-on-hold"),
                          trainee=other_agent)
    assert storm.sandbox_portfolio_uuid != funds.sandbox_portfolio_uuid
    storm_run = attempt_run_diagnostics(attempt=storm, by=agent, checks=CHECKS)
    funds_run = attempt_run_diagnostics(attempt=funds, by=other_agent, checks=CHECKS)
    wait_for_runs([storm_run.pk, funds_run.pk])

    storm_codes, funds_codes = codes_of(storm_run), codes_of(funds_run)
    # The storm attempt is throttled; the other, diagnosed at the same moment, is not.
    assert "RATE_LIMITED" in storm_codes
    assert "RATE_LIMITED" not in funds_codes
    # The open order's hold belongs to its own attempt's portfolio only.
    assert {"FUNDS_ON_HOLD", "INSUFFICIENT_AVAILABLE"} <= funds_codes
    assert "FUNDS_ON_HOLD" not in storm_codes
    # The shared sandbox has no global fault switched on by either attempt.
    assert practice_sandbox.control.state()["faults"]["global"] == {}
