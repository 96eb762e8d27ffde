"""Every seeded scenario, end to end: provisioned on the real sandbox, diagnosed by the real
checks through a real Celery worker, and its expected finding codes must appear.

All scenarios run at the same time on one sandbox, each in its own attempt world, which is
also the strongest isolation test: a fault of one scenario showing up in another would add
or remove codes there.
"""

import json
import time

import pytest

from diagnostics.models import CheckRun, DiagnosticRun
from practice.models import PracticeScenario
from practice.services import attempt_begin, attempt_run_diagnostics

pytestmark = [pytest.mark.worker, pytest.mark.sandbox]
RUN_WAIT_SECONDS = 150


def wait_for_runs(run_ids: list[int]) -> None:
    deadline = time.monotonic() + RUN_WAIT_SECONDS
    while time.monotonic() < deadline:
        pending = DiagnosticRun.objects.filter(pk__in=run_ids).exclude(
            status__in=DiagnosticRun.FINISHED
        )
        if not pending.exists():
            return
        time.sleep(0.5)
    raise AssertionError(f"runs still unfinished: {list(pending.values_list('pk', 'status'))}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_seeded_scenario_produces_its_expected_codes(worker_process, practice_sandbox, agent):
    scenarios = list(PracticeScenario.objects.filter(is_active=True))
    assert len(scenarios) >= 12
    runs = {}
    for scenario in scenarios:
        attempt = attempt_begin(scenario=scenario, trainee=agent, control=practice_sandbox.control)
        run = attempt_run_diagnostics(
            attempt=attempt, by=agent, checks=scenario.diagnostic_checks
        )
        runs[scenario.slug] = (scenario, run.pk)
    wait_for_runs([pk for _, pk in runs.values()])

    problems = {}
    for slug, (scenario, run_pk) in runs.items():
        rows = CheckRun.objects.filter(run_id=run_pk)
        observed = {code for codes in rows.values_list("codes", flat=True) for code in codes}
        missing = set(scenario.expected_codes) - observed
        if missing:
            problems[slug] = {
                "missing": sorted(missing),
                "observed": sorted(observed),
                "checks": [(r.check_id, r.status, r.summary) for r in rows],
            }
    assert not problems, json.dumps(problems, indent=1)
