"""The error-signature library at work: recognise known failures in a case's evidence.

Matching is a pure function over enabled signatures; recording a hit is a write that
counts each (signature, case, source) once, so pasting the same response twice or
re-running an analysis does not inflate the counters leads look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from integrations.models import ErrorSignature, SignatureMatch
from triage.redaction import redact_text


@dataclass(frozen=True)
class Sample:
    """One thing to match: a REST response or a WebSocket frame, already redacted."""

    source: str  # "evidence:12", "import:3#7", "run:5/jwt.inspect"
    kind: str  # "rest" | "ws"
    status: int | None
    body: str


def signature_matches(signature: ErrorSignature, sample: Sample) -> bool:
    if not signature.enabled or signature.kind != sample.kind:
        return False
    if signature.status_code is not None and signature.status_code != sample.status:
        return False
    pattern = signature.body_pattern
    if not pattern:
        return True
    body = sample.body or ""
    if signature.exact_body:
        return body.strip().lower() == pattern.strip().lower()
    if signature.is_regex:
        try:
            return re.search(pattern, body, re.IGNORECASE) is not None
        except re.error:
            return False
    return pattern.lower() in body.lower()


def match_samples(
    signatures: Iterable[ErrorSignature], samples: Iterable[Sample]
) -> list[tuple[ErrorSignature, Sample]]:
    signatures = list(signatures)
    return [(sig, s) for s in samples for sig in signatures if signature_matches(sig, s)]


def samples_from_evidence(evidence) -> list[Sample]:
    """REST response and WebSocket frames of one triage Evidence row."""
    samples = []
    if evidence.status_code or evidence.response_body:
        samples.append(Sample(f"evidence:{evidence.pk}", "rest", evidence.status_code,
                              evidence.response_body or ""))
    for number, message in enumerate(evidence.messages or []):
        text = message if isinstance(message, str) else json.dumps(message)
        samples.append(Sample(f"evidence:{evidence.pk}#{number}", "ws", None, text))
    if not samples and evidence.raw:
        samples.append(Sample(f"evidence:{evidence.pk}", "rest", None, evidence.raw))
    return samples


def samples_from_import(evidence_import) -> list[Sample]:
    samples = []
    for entry in evidence_import.entries:
        status = entry.get("status")
        if status is not None and status < 400 and "error" not in entry.get("response_body", ""):
            continue
        samples.append(Sample(f"import:{evidence_import.pk}#{entry['index']}", "rest", status,
                              entry.get("response_body", "")))
    return samples


def samples_from_check_results(run_id: int, results: Iterable[dict]) -> list[Sample]:
    """Captured exchanges and frames of a diagnostic run's check results."""
    samples = []
    for result in results:
        for number, item in enumerate(result.get("evidence") or []):
            source = f"run:{run_id}/{result.get('check_id', '?')}#{number}"
            if item.get("kind") == "ws":
                samples.append(Sample(source, "ws", None, item.get("data", "")))
            else:
                samples.append(Sample(source, "rest", item.get("status"),
                                      item.get("body_excerpt", "")))
    return samples


def signature_hits_record(*, case, samples: Iterable[Sample]) -> list[SignatureMatch]:
    """Match samples against the library and record new hits (each counted once)."""
    signatures = list(ErrorSignature.objects.filter(enabled=True))
    created = []
    now = timezone.now()
    for signature, sample in match_samples(signatures, samples):
        try:
            with transaction.atomic():
                match = SignatureMatch.objects.create(
                    signature=signature, case=case, source=sample.source[:60],
                    excerpt=redact_text(sample.body.strip())[:300], created_at=now,
                )
        except IntegrityError:
            continue  # already counted for this piece of evidence
        ErrorSignature.objects.filter(pk=signature.pk).update(
            hit_count=F("hit_count") + 1, last_hit_at=now
        )
        created.append(match)
    return created


def signature_match_evidence(*, evidence_id: int) -> list[SignatureMatch]:
    from triage.models import Evidence

    evidence = Evidence.objects.select_related("case").filter(pk=evidence_id).first()
    if evidence is None:
        return []
    return signature_hits_record(case=evidence.case, samples=samples_from_evidence(evidence))


def signature_match_run(*, run_id: int) -> list[SignatureMatch]:
    """Match a finished diagnostic run's captured exchanges and frames against the library."""
    from diagnostics.models import CheckRun, DiagnosticRun

    run = DiagnosticRun.objects.select_related("case").filter(pk=run_id).first()
    if run is None:
        return []
    results = CheckRun.objects.filter(run=run).values("check_id", "evidence")
    return signature_hits_record(case=run.case, samples=samples_from_check_results(run_id, results))


def signature_match_recent_runs(*, minutes: int = 10) -> int:
    """Match every diagnostic run finished in the last `minutes` (idempotent sweep)."""
    from datetime import timedelta

    from diagnostics.models import DiagnosticRun

    since = timezone.now() - timedelta(minutes=minutes)
    run_ids = DiagnosticRun.objects.filter(finished_at__gte=since).values_list("pk", flat=True)
    return sum(len(signature_match_run(run_id=run_id)) for run_id in run_ids)
