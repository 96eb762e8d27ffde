"""What a finished run tells the case: proposed checklist states and a timeline entry.

Called by `diagnostics.services` inside the transaction that finishes (or fails) a run,
so it happens exactly once per run.
"""

from __future__ import annotations

from collections import Counter

from diagnostics.models import CheckRun, DiagnosticRun
from diagnostics.signals import run_finished
from triage import services as triage_services
from triage.models import ItemState, TimelineEvent


def run_report(*, run_id: int) -> None:
    """Propose checklist states from the results and add the run to the case timeline."""
    run = DiagnosticRun.objects.select_related("case", "requested_by").get(pk=run_id)
    results = list(run.check_runs.all())
    verdicts = {CheckRun.Status.PASS: ItemState.PASS, CheckRun.Status.FAIL: ItemState.FAIL,
                CheckRun.Status.WARN: ItemState.FAIL}
    for result in results:
        state = verdicts.get(result.status)
        if state is None:  # error or skipped: the check could not tell
            continue
        codes = f" ({', '.join(result.codes)})" if result.codes else ""
        prefix = "Warning: " if result.status == CheckRun.Status.WARN else ""
        triage_services.checklist_propose(
            case=run.case, check_id=result.check_id, state=state,
            note=f"{prefix}{result.summary}{codes}"[:500], run_id=run.pk,
        )
    counts = dict(Counter(result.status for result in results))
    tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    codes = sorted({code for result in results for code in result.codes})
    if run.status == DiagnosticRun.Status.FAILED:
        summary = f"Diagnostic run #{run.pk} failed: {run.failure_reason}"
    else:
        summary = f"Diagnostic run #{run.pk} finished: {tally}"
        if codes:
            summary += f"; codes {', '.join(codes)}"
    triage_services.timeline_add(
        case=run.case, kind=TimelineEvent.Kind.DIAGNOSTIC, summary=summary,
        actor=run.requested_by,
        data={"run_id": run.pk, "status": run.status, "codes": codes, "counts": counts},
    )
    run_finished.send(sender=DiagnosticRun, run_id=run.pk)
