"""Writes for integrations: evidence imports and their analysis, reply drafts, API tokens.

Keyword-only, atomic. Bad input raises ValidationError with the field it belongs to.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from diagnostics.checks.base import CheckResult, Status
from integrations.analyzers.pagination import pagination_replay
from integrations.analyzers.rate_limit import rate_limit_replay
from integrations.evidence.entries import HttpEntry
from integrations.evidence.importers import EvidenceFormatError, import_evidence
from integrations.models import (
    ErrorSignature,
    EvidenceImport,
    IntegrationToken,
    ReplyDraft,
    ReplyTemplate,
)
from integrations.signatures import match_samples, samples_from_import, signature_hits_record
from triage.models import Evidence, TimelineEvent
from triage.redaction import redact_text
from triage.services import checklist_propose, evidence_add, timeline_add

DEFAULT_IMPORT_MAX_BYTES = 20 * 1024 * 1024
# Imports with more requests than this are analysed by a worker, not in the request.
DEFAULT_INLINE_ANALYSIS_LIMIT = 500
ANALYSIS_STALE_AFTER = timedelta(minutes=5)
SIGNATURES_CHECK_ID = "evidence.signatures"
_ITEM_STATE = {Status.PASS: "pass", Status.WARN: "fail", Status.FAIL: "fail"}


def import_max_bytes() -> int:
    return int(getattr(settings, "INTEGRATIONS_IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES))


def inline_analysis_limit() -> int:
    return int(getattr(settings, "INTEGRATIONS_INLINE_ANALYSIS_LIMIT",
                       DEFAULT_INLINE_ANALYSIS_LIMIT))


# --- evidence imports ------------------------------------------------------------------


def _summary_har(entry: HttpEntry) -> str:
    """A one-entry HAR of the most telling request, for the case's evidence list."""
    return json.dumps({"log": {"version": "1.2", "entries": [{
        "startedDateTime": entry.started_at.isoformat() if entry.started_at else "",
        "request": {"method": entry.method, "url": entry.url,
                    "headers": [{"name": k, "value": v}
                                for k, v in entry.request_headers.items()],
                    "postData": {"text": entry.request_body}},
        "response": {"status": entry.status or 0,
                     "headers": [{"name": k, "value": v}
                                 for k, v in entry.response_headers.items()],
                     "content": {"text": entry.response_body}},
    }]}})


@transaction.atomic
def evidence_import_create(*, case, text: str, filename: str = "", by=None) -> EvidenceImport:
    """Import a HAR file, Postman collection or request log into a case (redacted)."""
    size = len((text or "").encode("utf-8", "surrogatepass"))
    if size > import_max_bytes():
        raise ValidationError({"file": f"The file is {size // (1024 * 1024)} MB; the limit is "
                               f"{import_max_bytes() // (1024 * 1024)} MB."})
    try:
        result = import_evidence(text)
    except EvidenceFormatError as exc:
        raise ValidationError({"file": str(exc)}) from None
    telling = next((e for e in result.entries if (e.status or 0) >= 400), result.entries[0])
    filename = redact_text(filename or "")[:200]
    evidence = evidence_add(
        case=case,
        raw=_summary_har(telling),
        kind=Evidence.Kind.HAR,
        source=Evidence.Source.IMPORT,
        by=by,
        title=f"{filename or result.kind.upper() + ' import'}: {len(result.entries)} requests",
    )
    evidence_import = EvidenceImport.objects.create(
        case=case,
        evidence=evidence,
        filename=filename,
        kind=result.kind,
        entry_count=len(result.entries),
        entries=[e.to_dict() for e in result.entries],
        warnings=result.warnings,
        added_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if evidence_import.entry_count <= inline_analysis_limit():
        evidence_import_analyze(import_id=evidence_import.pk)
        evidence_import.refresh_from_db()
    else:
        from integrations.tasks import evidence_import_analyze_task

        evidence_import_analyze_task.delay_on_commit(import_id=evidence_import.pk)
    return evidence_import


def _signatures_result(signatures: list[ErrorSignature]) -> CheckResult:
    """The known errors found in an import, as a result card like a live check's."""
    found = {s.slug: s for s in signatures}
    if not found:
        return CheckResult(SIGNATURES_CHECK_ID, Status.PASS,
                           "No known error signature in this evidence.")
    return CheckResult(
        SIGNATURES_CHECK_ID,
        Status.FAIL,
        "Known errors: " + ", ".join(s.title for s in found.values()),
        codes=sorted({s.finding_code for s in found.values() if s.finding_code}),
        details={"signatures": [
            {"slug": s.slug, "title": s.title, "likely_causes": s.likely_causes,
             "checklist_item_key": s.checklist_item_key} for s in found.values()
        ]},
        advice=" ".join(s.likely_causes[0] for s in found.values() if s.likely_causes),
    )


def evidence_import_analyze(*, import_id: int) -> bool:
    """Run the analyzers on one import. Idempotent: only the caller that claims it runs."""
    stale = timezone.now() - ANALYSIS_STALE_AFTER
    claimed = EvidenceImport.objects.filter(
        Q(status=EvidenceImport.Status.PENDING)
        | Q(status=EvidenceImport.Status.RUNNING, started_at__lt=stale),
        pk=import_id,
    ).update(status=EvidenceImport.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return False
    evidence_import = EvidenceImport.objects.select_related("case").get(pk=import_id)
    try:
        entries = [HttpEntry.from_dict(d) for d in evidence_import.entries]
        with transaction.atomic():
            samples = samples_from_import(evidence_import)
            signature_hits_record(case=evidence_import.case, samples=samples)
            library = ErrorSignature.objects.filter(enabled=True)
            results = [
                pagination_replay(entries),
                rate_limit_replay(entries),
                _signatures_result([sig for sig, _ in match_samples(library, samples)]),
            ]
            codes = sorted({code for r in results for code in r.codes})
            EvidenceImport.objects.filter(pk=import_id).update(
                status=EvidenceImport.Status.DONE,
                results=[r.to_dict() for r in results],
                codes=codes,
                finished_at=timezone.now(),
            )
            for result in results:
                state = _ITEM_STATE.get(result.status)
                if state:  # items that list this check id get the verdict as a proposal
                    checklist_propose(case=evidence_import.case, check_id=result.check_id,
                                      state=state, note=result.summary)
            timeline_add(
                case=evidence_import.case,
                kind=TimelineEvent.Kind.DIAGNOSTIC,
                summary=f"Evidence analysed ({evidence_import.entry_count} requests): "
                + (", ".join(codes) or "no problems found"),
                data={"import_id": import_id, "codes": codes},
            )
    except Exception as exc:  # recorded on the row, then re-raised for the worker log
        EvidenceImport.objects.filter(pk=import_id).update(
            status=EvidenceImport.Status.FAILED,
            failure_reason=redact_text(f"{type(exc).__name__}: {exc}")[:500],
            finished_at=timezone.now(),
        )
        raise
    return True


# --- reply templates -------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def case_facts(*, case, agent=None) -> dict[str, str]:
    """The facts a reply may mention. Never a secret: the key is a short prefix only."""
    facts = {
        "reference": case.reference,
        "subject": case.subject,
        "product_id": case.product_id or "the product",
        "key_prefix": case.key_prefix or "(key id)",
        "portfolio_id": str(case.portfolio_id or "your portfolio"),
        "ticket": case.external_ticket or case.reference,
        "environment": case.get_environment_display(),
        "agent": (agent.get_full_name() or agent.get_username()) if agent else "Support",
    }
    return {k: redact_text(str(v)) for k, v in facts.items()}


def reply_fill(*, text: str, facts: dict[str, str]) -> str:
    """Replace {placeholders} with facts; unknown placeholders stay as written."""
    return _PLACEHOLDER.sub(lambda m: facts.get(m.group(1), m.group(0)), text)


@transaction.atomic
def reply_draft_append(*, case, by, template: ReplyTemplate | None = None,
                       signature: ErrorSignature | None = None) -> ReplyDraft:
    """Append a filled reply template (or a signature's reply) to the case's draft."""
    body = template.body if template else (signature.reply_template if signature else "")
    if not body.strip():
        raise ValidationError({"template": "That template has no text."})
    draft, _ = ReplyDraft.objects.select_for_update().get_or_create(case=case)
    filled = reply_fill(text=body, facts=case_facts(case=case, agent=by))
    draft.text = (draft.text.rstrip() + "\n\n" if draft.text.strip() else "") + filled
    draft.updated_by = by
    draft.save()
    return draft


@transaction.atomic
def reply_draft_save(*, case, by, text: str) -> ReplyDraft:
    draft, _ = ReplyDraft.objects.select_for_update().get_or_create(case=case)
    draft.text = redact_text(text or "")
    draft.updated_by = by
    draft.save()
    return draft


# --- API tokens ------------------------------------------------------------------------

TOKEN_PREFIX = "tt_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def integration_token_create(*, name: str, scopes: list[str], by=None
                             ) -> tuple[IntegrationToken, str]:
    """Create a token; the plain value is returned once and never stored."""
    lookup = secrets.token_hex(6)
    plain = f"{TOKEN_PREFIX}{lookup}_{secrets.token_urlsafe(32)}"
    token = IntegrationToken(
        name=name, prefix=lookup, token_hash=token_hash(plain), scopes=list(scopes or []),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    token.full_clean()
    token.save()
    return token, plain


def integration_token_authenticate(*, plain: str) -> IntegrationToken | None:
    """The active token matching `plain`, or None. Constant-time hash comparison."""
    import hmac

    match = re.fullmatch(rf"{TOKEN_PREFIX}([0-9a-f]{{12}})_[A-Za-z0-9_-]{{20,}}", plain or "")
    if not match:
        return None
    token = IntegrationToken.objects.filter(prefix=match.group(1), revoked_at=None).first()
    if token is None or not hmac.compare_digest(token.token_hash, token_hash(plain)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def integration_token_revoke(*, token: IntegrationToken, by=None) -> IntegrationToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
