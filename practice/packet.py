"""The escalation packet a practice case would produce, measured by the real collect list.

When the trainee escalated without building a packet with the case's Escalate button, the
scorecard still needs a completeness figure. It comes from the escalation app's own packet
draft over everything on the case (details, evidence, diagnostic runs), so the collect list
is measured exactly as for a real packet. The draft is not saved: it never enters the
escalation queue.
"""

from __future__ import annotations

from triage.models import Case


def practice_packet(*, case: Case, summary: str, steps_tried: str, by) -> dict:
    """The draft packet document for a practice case, with `completeness` filled in."""
    from escalations.selectors import case_sources
    from escalations.services import packet_draft

    refs = case_sources(case=case).refs
    return packet_draft(
        case=case, by=by, refs=refs, summary=summary, steps_tried=steps_tried
    )
