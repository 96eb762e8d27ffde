"""The escalation workflow: every allowed status change, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from escalations.models import Escalation, ReviewEvent

S = Escalation.Status


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    lead_only: bool
    needs_comment: bool
    event: str


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "acknowledge",
            "Acknowledge",
            (S.SUBMITTED,),
            S.ACKNOWLEDGED,
            True,
            False,
            ReviewEvent.Action.ACKNOWLEDGED,
        ),
        Action(
            "request_info",
            "Request more information",
            (S.SUBMITTED, S.ACKNOWLEDGED, S.FORWARDED),
            S.INFO_REQUESTED,
            True,
            True,
            ReviewEvent.Action.INFO_REQUESTED,
        ),
        Action(
            "forward",
            "Forward to engineering",
            (S.SUBMITTED, S.ACKNOWLEDGED),
            S.FORWARDED,
            True,
            False,
            ReviewEvent.Action.FORWARDED,
        ),
        Action(
            "resolve",
            "Resolve",
            (S.SUBMITTED, S.ACKNOWLEDGED, S.FORWARDED),
            S.RESOLVED,
            True,
            False,
            ReviewEvent.Action.RESOLVED,
        ),
    ]
}
REVIEW_ACTIONS = tuple(ACTIONS)
# An agent's correction (a new packet version) is allowed while the escalation is open;
# one sent after a request for information puts it back in the queue as submitted.
CORRECTABLE = (S.SUBMITTED, S.ACKNOWLEDGED, S.INFO_REQUESTED, S.FORWARDED)


class WorkflowError(ValidationError):
    """A change the escalation workflow does not allow."""


def allowed_actions(status: str) -> list[Action]:
    return [a for a in ACTIONS.values() if status in a.sources]


def action_check(*, status: str, name: str, comment: str = "") -> Action:
    """Return the action if it may run from `status`, else raise WorkflowError."""
    action = ACTIONS.get(name)
    if action is None:
        raise WorkflowError(f"Unknown review action {name!r}.")
    if status not in action.sources:
        raise WorkflowError(
            f"{action.label} is not possible while the escalation is {S(status).label.lower()}."
        )
    if action.needs_comment and not (comment or "").strip():
        raise WorkflowError({"comment": "Say what information is missing."})
    return action


def correction_target(status: str) -> str:
    if status not in CORRECTABLE:
        raise WorkflowError("A resolved escalation cannot be corrected; escalate again instead.")
    return S.SUBMITTED if status == S.INFO_REQUESTED else status
