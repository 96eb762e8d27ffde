"""Imports and their analysis, the signature library, reply templates."""

import json
import time

import pytest
from django.core.exceptions import ValidationError

from integrations.models import (
    ErrorSignature,
    EvidenceImport,
    ReplyDraft,
    ReplyTemplate,
    SignatureMatch,
)
from integrations.services import (
    case_facts,
    evidence_import_analyze,
    evidence_import_create,
    reply_draft_append,
    reply_fill,
)
from integrations.signatures import Sample, signature_hits_record, signature_matches
from tests.integrations.evidence_files import ACCOUNTS, Call, har, log, page
from triage.models import Evidence, TimelineEvent
from triage.services import evidence_add

ORDER = "/api/v3/brokerage/orders"


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.mark.django_db
def test_import_is_redacted_analysed_and_matched_inline(case, agent, jwt_for, ec_pem):
    token = jwt_for("5e1c7a2b-9d3f-4e6a-8b1c-2d3e4f5a6b7c")
    calls = [
        Call(0, f"{ACCOUNTS}?limit=49", body=page(True, "c1"),
             request_headers={"Authorization": f"Bearer {token}"}),
        Call(1, f"{ACCOUNTS}?limit=49&cursor=c1", body=page(False, "")),
        Call(2, ORDER, method="POST", status=200, request_body=json.dumps({"pem": ec_pem}),
             body={"success": False, "error_response": {"error": "INSUFFICIENT_FUND",
                                                        "message": "Insufficient balance"}}),
        Call(3, "/api/v3/brokerage/key_permissions", status=401, body=None),
    ]
    text = har(calls).replace('"text": ""}}, "timings"', '"text": "Unauthorized"}}, "timings"')
    evidence_import = evidence_import_create(case=case, text=text, filename="bot.har", by=agent)
    assert evidence_import.status == EvidenceImport.Status.DONE
    stored = json.dumps(list(EvidenceImport.objects.values("entries", "results")), default=str)
    stored += json.dumps(list(Evidence.objects.filter(case=case).values()), default=str)
    assert token.rsplit(".", 1)[1] not in stored
    assert ec_pem.splitlines()[1] not in stored and "-----BEGIN" not in stored
    assert set(evidence_import.codes) == {"AUTH_UNAUTHORIZED", "ORDER_INSUFFICIENT_FUND"}
    signatures = set(SignatureMatch.objects.filter(case=case).values_list("signature__slug",
                                                                          flat=True))
    assert signatures == {"rest-401-unauthorized", "rest-insufficient-fund"}
    assert ErrorSignature.objects.get(slug="rest-401-unauthorized").hit_count == 1
    assert evidence_import.evidence.title == "bot.har: 4 requests"
    assert evidence_import.evidence.status_code == 401
    assert case.timeline.filter(kind=TimelineEvent.Kind.DIAGNOSTIC,
                                summary__contains="AUTH_UNAUTHORIZED").exists()
    assert evidence_import_analyze(import_id=evidence_import.pk) is False  # done once


@pytest.mark.django_db
def test_hits_are_counted_once_per_piece_of_evidence(case):
    samples = [Sample("evidence:1", "rest", 401, "Unauthorized")]
    assert len(signature_hits_record(case=case, samples=samples)) == 1
    assert signature_hits_record(case=case, samples=samples) == []
    assert ErrorSignature.objects.get(slug="rest-401-unauthorized").hit_count == 1


@pytest.mark.parametrize(
    ("sample", "slug"),
    [
        (Sample("s", "rest", 401, "Unauthorized\n"), "rest-401-unauthorized"),
        (Sample("s", "rest", 403, '{"error":"PERMISSION_DENIED","error_details":"Missing '
                'required scopes","message":"Missing required scopes"}'),
         "rest-403-missing-scopes"),
        (Sample("s", "rest", 403, '{"error":"unknown","message":"missing required scopes"}'),
         "rest-403-missing-scopes"),
        (Sample("s", "rest", 200, '{"success":false,"error_response":{"error":'
                '"INSUFFICIENT_FUND","preview_failure_reason":"PREVIEW_INSUFFICIENT_FUND"}}'),
         "rest-insufficient-fund"),
        (Sample("s", "ws", None, '{"type":"error","message":"authentication failure"}'),
         "ws-authentication-failure"),
        (Sample("s", "rest", 429, "<html>Too many requests</html>"), "rest-429-rate-limited"),
    ],
)
@pytest.mark.django_db
def test_seeded_signatures_recognise_real_error_bodies(sample, slug):
    matched = [s.slug for s in ErrorSignature.objects.all() if signature_matches(s, sample)]
    assert matched == [slug]


@pytest.mark.django_db
def test_a_401_with_a_json_body_is_not_the_plain_unauthorized_signature():
    sample = Sample("s", "rest", 401, '{"error":"Unauthorized","detail":"x"}')
    assert not signature_matches(ErrorSignature.objects.get(slug="rest-401-unauthorized"),
                                 sample)


@pytest.mark.django_db
def test_bad_signature_rows_are_refused():
    row = ErrorSignature(slug="bad", title="Bad", is_regex=True, body_pattern="([")
    with pytest.raises(ValidationError, match="Not a valid expression"):
        row.full_clean()
    with pytest.raises(ValidationError, match="status code, a body pattern"):
        ErrorSignature(slug="empty", title="Empty").full_clean()


@pytest.mark.django_db
def test_import_errors_name_the_file_field(case, settings):
    with pytest.raises(ValidationError) as caught:
        evidence_import_create(case=case, text="hello\n")
    assert "No requests found" in caught.value.message_dict["file"][0]
    settings.INTEGRATIONS_IMPORT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        evidence_import_create(case=case, text="x" * (2 * 1024 * 1024))
    assert "the limit is 1 MB" in caught.value.message_dict["file"][0]
    assert not EvidenceImport.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_large_import_is_analysed_by_the_worker(worker_process, case, agent, settings):
    settings.INTEGRATIONS_INLINE_ANALYSIS_LIMIT = 10
    calls = [Call(i / 40, "/api/v3/brokerage/products/BTC-USD", body={}) for i in range(40)]
    evidence_import = evidence_import_create(case=case, text=log(calls), by=agent)
    assert evidence_import.status == EvidenceImport.Status.PENDING
    wait_for(lambda: EvidenceImport.objects.get(pk=evidence_import.pk).is_finished)
    evidence_import.refresh_from_db()
    assert evidence_import.status == EvidenceImport.Status.DONE, evidence_import.failure_reason
    assert evidence_import.codes == ["RATE_LIMIT_BURST"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pasted_evidence_is_matched_by_the_worker(worker_process, case, agent):
    evidence = evidence_add(case=case, by=agent, kind="ws",
                            raw='{"type":"error","message":"authentication failure"}')
    wait_for(lambda: SignatureMatch.objects.filter(case=case).exists())
    match = SignatureMatch.objects.get(case=case)
    assert match.signature.slug == "ws-authentication-failure"
    assert match.source == f"evidence:{evidence.pk}#0"


@pytest.mark.django_db
def test_reply_templates_fill_case_facts_never_secrets(case, agent, jwt_for):
    facts = case_facts(case=case, agent=agent)
    assert facts["key_prefix"] == "9f8e7d6c" and facts["ticket"] == "ZD-48121"
    text = reply_fill(text="{reference} {product_id} {key_prefix} {unknown} {reference.x}",
                      facts=facts)
    assert text == f"{case.reference} BTC-USD 9f8e7d6c {{unknown}} {{reference.x}}"
    template = ReplyTemplate.objects.get(key="PAGINATION_CURSOR_REUSED")
    draft = reply_draft_append(case=case, by=agent, template=template)
    signature = ErrorSignature.objects.get(slug="rest-401-unauthorized")
    draft = reply_draft_append(case=case, by=agent, signature=signature)
    assert draft.text.startswith(f"Hi, on {case.reference} your code sends a cursor")
    assert "key 9f8e7d6c…" in draft.text and "{" not in draft.text
    assert ReplyDraft.objects.get(case=case).text.count("\n\n") == 1
    empty = ErrorSignature.objects.get(slug="rest-order-not-found")
    with pytest.raises(ValidationError):
        reply_draft_append(case=case, by=agent, signature=empty)


@pytest.mark.django_db
def test_captured_diagnostics_are_matched(case, jwt_for):
    from integrations.signatures import signature_match_run
    from tests.fixtures.escalations import add_check_runs

    rows = add_check_runs(case, token=jwt_for("5e1c7a2b-0000-0000-0000-000000000000"), runs=1)
    matches = signature_match_run(run_id=rows[0].run_id)
    assert [m.signature.slug for m in matches] == ["ws-authentication-failure"]
    assert matches[0].source == f"run:{rows[0].run_id}/ws.user#1"
    assert signature_match_run(run_id=rows[0].run_id) == []


@pytest.mark.django_db
def test_sweep_matches_recently_finished_runs(case, jwt_for):
    from integrations.signatures import signature_match_recent_runs
    from tests.fixtures.escalations import add_check_runs

    add_check_runs(case, token=jwt_for("5e1c7a2b-0000-0000-0000-000000000000"), runs=2)
    assert signature_match_recent_runs() == 2
    assert signature_match_recent_runs() == 0
    assert ErrorSignature.objects.get(slug="ws-authentication-failure").hit_count == 2


@pytest.mark.django_db
def test_analysis_proposes_checklist_states_for_items_listing_the_check(make_case, agent):
    """The seeded cursor item lists the pagination analyzer, so a replay answers it."""
    case = make_case(scenario_slug="pagination-confusion")
    row = case.checklist_items.select_related("item").get(item__key="rate-cursors")
    assert "evidence.pagination" in row.item.check_ids
    calls = [Call(0, f"{ACCOUNTS}?limit=49", body=page(True, "c1"))]
    evidence_import_create(case=case, text=har(calls), by=agent)
    row.refresh_from_db()
    assert (row.state, row.set_by_diagnostic) == ("fail", True)
    assert "PAGINATION_STOPPED_EARLY" in row.diagnostic_note
