"""Scoring a practice attempt: a pure function of what was expected and what was done.

Five parts, each with points, a maximum and the detail a trainee needs to improve:
findings named vs expected, checklist items covered, the decision (and criterion),
the escalation packet's completeness over the collect list, and time taken. The total
is a percentage of the points that apply (packet completeness only applies when the
right answer is to escalate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

WEIGHTS = {"findings": 40, "checklist": 20, "decision": 25, "packet": 10, "time": 5}
WRONG_FINDING_PENALTY = 5
WRONG_CRITERION_POINTS = 15


@dataclass(frozen=True)
class ScoreInput:
    expected_codes: Sequence[str]
    identified_codes: Sequence[str]
    expected_decision: str  # "resolve" | "escalate"
    decision: str
    seconds_taken: int
    target_minutes: int
    observed_codes: Sequence[str] = ()  # codes the case's diagnostic runs produced
    checklist_items: Sequence[str] = ()  # labels of the items the scenario exercises
    checklist_items_covered: Sequence[str] = ()  # those given a state other than pending
    expected_criterion: str = ""
    criterion: str = ""
    collect_items: Sequence[str] = ()  # the collect-before-escalating list
    collect_missing: Sequence[str] = ()  # items of that list the packet lacked


@dataclass
class Part:
    key: str
    label: str
    points: int
    max_points: int
    summary: str
    missed: list[str] = field(default_factory=list)


@dataclass
class Scorecard:
    total: int  # percentage, 0-100
    points: int
    max_points: int
    parts: list[Part]
    missed_codes: list[str]
    wrong_codes: list[str]
    decision_correct: bool

    def to_dict(self) -> dict:
        return asdict(self)


def _findings(data: ScoreInput) -> tuple[Part, list[str], list[str]]:
    expected = list(dict.fromkeys(data.expected_codes))
    named = set(data.identified_codes)
    hits = [c for c in expected if c in named]
    missed = [c for c in expected if c not in named]
    wrong = sorted(named - set(expected) - set(data.observed_codes))
    base = WEIGHTS["findings"] * len(hits) / len(expected) if expected else WEIGHTS["findings"]
    points = max(0, round(base) - WRONG_FINDING_PENALTY * len(wrong))
    summary = f"Named {len(hits)} of {len(expected)} expected findings"
    if wrong:
        summary += f"; {len(wrong)} named finding(s) had no support in the diagnostics"
    return Part("findings", "Findings", points, WEIGHTS["findings"], summary, missed), missed, wrong


def _checklist(data: ScoreInput) -> Part:
    items = list(dict.fromkeys(data.checklist_items))
    covered = set(data.checklist_items_covered)
    missed = [item for item in items if item not in covered]
    done = len(items) - len(missed)
    points = round(WEIGHTS["checklist"] * done / len(items)) if items else WEIGHTS["checklist"]
    summary = f"Covered {done} of {len(items)} checklist items"
    return Part("checklist", "Checklist", points, WEIGHTS["checklist"], summary, missed)


def _decision(data: ScoreInput) -> tuple[Part, bool]:
    right = data.decision == data.expected_decision
    points, missed = 0, []
    if right and data.expected_decision == "escalate":
        if data.criterion == data.expected_criterion:
            points, summary = WEIGHTS["decision"], "Right to escalate, under the right criterion"
        else:
            points = WRONG_CRITERION_POINTS
            summary = "Right to escalate, but under another criterion"
            missed = [data.expected_criterion]
    elif right:
        points, summary = WEIGHTS["decision"], "Right to resolve with advice"
    elif data.expected_decision == "escalate":
        summary = "Resolved, but this needed escalating"
        missed = [data.expected_criterion]
    else:
        summary = "Escalated, but triage could resolve this with advice"
    return Part("decision", "Decision", points, WEIGHTS["decision"], summary, missed), right


def _packet(data: ScoreInput) -> Part | None:
    if data.expected_decision != "escalate":
        return None
    items = list(dict.fromkeys(data.collect_items))
    if data.decision != "escalate":
        return Part("packet", "Packet", 0, WEIGHTS["packet"], "No escalation packet", items)
    missing = [item for item in items if item in set(data.collect_missing)]
    have = len(items) - len(missing)
    points = round(WEIGHTS["packet"] * have / len(items)) if items else WEIGHTS["packet"]
    summary = f"Packet had {have} of {len(items)} items to collect"
    return Part("packet", "Packet", points, WEIGHTS["packet"], summary, missing)


def _time(data: ScoreInput) -> Part:
    target = max(1, data.target_minutes) * 60
    taken = max(0, data.seconds_taken)
    if taken <= target:
        points = WEIGHTS["time"]
    else:
        points = max(0, round(WEIGHTS["time"] * (1 - (taken - target) / (2 * target))))
    minutes = taken / 60
    summary = f"{minutes:.0f} min taken, target {data.target_minutes} min"
    return Part("time", "Time", points, WEIGHTS["time"], summary)


def score_attempt(data: ScoreInput) -> Scorecard:
    """Score one submitted attempt."""
    findings, missed_codes, wrong_codes = _findings(data)
    decision, right = _decision(data)
    parts = [findings, _checklist(data), decision]
    packet = _packet(data)
    if packet is not None:
        parts.append(packet)
    parts.append(_time(data))
    points = sum(p.points for p in parts)
    max_points = sum(p.max_points for p in parts)
    return Scorecard(
        total=round(100 * points / max_points),
        points=points,
        max_points=max_points,
        parts=parts,
        missed_codes=missed_codes,
        wrong_codes=wrong_codes,
        decision_correct=right,
    )
