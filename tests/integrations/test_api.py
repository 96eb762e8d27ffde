"""The JSON API: schema completeness, token scopes, precise validation errors, the flows."""

import json

import pytest

from escalations.services import escalation_submit
from integrations.api import api
from integrations.models import EvidenceImport, IntegrationToken
from integrations.services import integration_token_create, integration_token_revoke
from tests.fixtures.escalations import all_refs
from tests.integrations.evidence_files import ACCOUNTS, Call, har, page
from triage.models import Case, Evidence, TimelineEvent

pytestmark = pytest.mark.django_db
ALL_SCOPES = list(IntegrationToken.Scope.values)
CASE_BODY = {
    "ticket_reference": "ZD-50001",
    "ticket_url": "https://helpdesk.example.com/tickets/50001",
    "customer_text": "My bot gets 401 on every call\nsince this morning.",
    "scenario": "api-keys-not-working",
    "product_id": "BTC-USD",
    "key_id": "organizations/0f0e/apiKeys/5e1c7a2b-9d3f-4e6a-8b1c-2d3e4f5a6b7c",
}


def bearer(scopes=ALL_SCOPES, name="Zendesk"):
    _, plain = integration_token_create(name=name, scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client, path, body, auth):
    return client.post(path, data=json.dumps(body), content_type="application/json", **auth)


def test_schema_documents_every_endpoint_with_auth_and_errors(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    registered = {(m.lower(), route.path)
                  for router_prefix, router in api._routers
                  for route_path, path_view in router.path_operations.items()
                  for op in path_view.operations for m in op.methods
                  for route in [type("R", (), {"path": "/api" + route_path})]}
    documented = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert registered == documented
    assert len(documented) == 5
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op["security"] == [{"TokenAuth": []}], (method, path)
            assert {"200", "201"} & set(op["responses"]), (method, path)
            assert {"401", "403", "422"} <= set(op["responses"]), (method, path)


def test_create_case_from_help_desk_with_evidence(client, jwt_for):
    token = jwt_for("5e1c7a2b-9d3f-4e6a-8b1c-2d3e4f5a6b7c")
    calls = [Call(0, f"{ACCOUNTS}?limit=49", body=page(True, "c1"),
                  request_headers={"Authorization": f"Bearer {token}"}),
             Call(1, f"{ACCOUNTS}?limit=49", body=page(True, "c1"))]
    pasted = "HTTP/1.1 401 Unauthorized\ncontent-type: text/plain\n\nUnauthorized"
    body = {**CASE_BODY, "evidence": [har(calls), pasted]}
    response = post(client, "/api/cases", body, bearer())
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(pk=Case.pk_from_reference(data["reference"]))
    assert (case.external_ticket, case.external_ticket_url) == (
        "ZD-50001", "https://helpdesk.example.com/tickets/50001")
    assert case.subject == "My bot gets 401 on every call"
    assert case.key_prefix == "5e1c7a2b"
    assert data["url"].endswith(case.get_absolute_url())
    assert data["imports"][0]["codes"] == ["PAGINATION_CURSOR_IGNORED",
                                           "PAGINATION_STOPPED_EARLY"]
    assert {f["check_id"] for f in data["findings"]} >= {"evidence.pagination",
                                                         "evidence.rate_limit"}
    assert Evidence.objects.filter(case=case).count() == 3  # text, HAR summary, pasted 401
    assert token.rsplit(".", 1)[1] not in json.dumps(list(
        EvidenceImport.objects.filter(case=case).values("entries")), default=str)
    assert case.timeline.filter(kind=TimelineEvent.Kind.INTEGRATION).exists()


def test_read_case_add_evidence_and_read_packets(client, escalation_case, agent):
    auth = bearer()
    reference = escalation_case.reference
    response = client.get(f"/api/cases/{reference}", **auth)
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    log = "\n".join(f"2026-11-24T10:00:00.{i:03d}Z GET /api/v3/brokerage/products/BTC-USD 200"
                    for i in range(0, 999, 20))
    response = post(client, f"/api/cases/{reference}/evidence", {"text": log,
                                                                  "filename": "bot.log"}, auth)
    assert response.status_code == 201, response.content
    assert response.json()["evidence_import"]["codes"] == ["RATE_LIMIT_BURST"]
    assert client.get(f"/api/cases/{reference}/packets", **auth).json() == []
    packet = escalation_submit(case=escalation_case, by=agent, refs=all_refs(escalation_case),
                               summary="Every private call answers 401.",
                               steps_tried="Regenerated the key.")
    listed = client.get(f"/api/cases/{reference}/packets", **auth).json()
    assert [p["id"] for p in listed] == [packet.pk]
    fetched = client.get(f"/api/packets/{packet.pk}", **auth).json()
    assert fetched["content_hash"] == packet.content_hash
    assert fetched["document"]["packet"]["case_reference"] == reference
    assert client.get(f"/api/cases/{reference}", **auth).json()["escalations"][0]["version"] == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**CASE_BODY, "ticket_reference": ""}, "ticket_reference", "at least 1 character"),
        ({k: v for k, v in CASE_BODY.items() if k != "customer_text"}, "customer_text",
         "Field required"),
        ({**CASE_BODY, "ticket_url": "javascript:alert(1)"}, "ticket_url", "http(s) URL"),
        ({**CASE_BODY, "priority": "asap"}, "priority", "'urgent', 'high', 'normal' or 'low'"),
        ({**CASE_BODY, "scenario": "nope"}, "scenario", "Unknown scenario 'nope'"),
        ({**CASE_BODY, "product_id": "btc_usd"}, "product_id", "product pair like BTC-USD"),
        ({**CASE_BODY, "evidence": ["   "]}, "evidence", "must not be blank"),
        ({**CASE_BODY, "evidence": ["abc\x00def"]}, "evidence", "NUL"),
        ({**CASE_BODY, "ticket_reference": "ZD\x00"}, "ticket_reference", "NUL"),
        ({**CASE_BODY, "evidence": ["x" * 300_000]}, "evidence.0", "the limit is 256 KB"),
    ],
)
def test_validation_errors_name_the_field(client, body, field, message):
    response = post(client, "/api/cases", body, bearer())
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field and message.lower() in e["message"].lower()
               for e in errors), errors
    assert not Case.objects.filter(external_ticket="ZD-50001").exists()


def test_malformed_json_is_a_json_error(client):
    response = client.post("/api/cases", data="{not json", content_type="application/json",
                           **bearer())
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("post", "/api/cases", "cases:write"),
        ("get", "/api/cases/{ref}", "cases:read"),
        ("post", "/api/cases/{ref}/evidence", "evidence:write"),
        ("get", "/api/cases/{ref}/packets", "packets:read"),
        ("get", "/api/packets/1", "packets:read"),
    ],
)
def test_permissions_per_scope(client, case, method, path, scope):
    path = path.format(ref=case.reference)
    body = CASE_BODY if path == "/api/cases" else {"text": "GET /x HTTP/1.1\n\n"}

    def call(auth):
        if method == "get":
            return client.get(path, **auth)
        return post(client, path, body, auth)

    assert call({}).status_code == 401
    assert call({"HTTP_AUTHORIZATION": "Bearer tt_000000000000_not-a-real-token-value"}
                ).status_code == 401
    assert call({"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}).status_code == 401
    others = [s for s in ALL_SCOPES if s != scope]
    denied = call(bearer(scopes=others))
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["message"] == f"This token lacks the '{scope}' scope."
    allowed_auth = bearer(scopes=[scope])
    allowed = call(allowed_auth)
    assert allowed.status_code in (200, 201, 404), allowed.content
    assert allowed.status_code != 404 or path == "/api/packets/1"
    integration_token_revoke(token=IntegrationToken.objects.get(scopes=[scope]))
    assert call(allowed_auth).status_code == 401


def test_tokens_are_stored_hashed_and_unknown_cases_are_404(client, make_case):
    token, plain = integration_token_create(name="Freshdesk", scopes=["cases:read"])
    assert plain not in json.dumps(list(IntegrationToken.objects.values()), default=str)
    assert token.token_hash != plain and len(token.token_hash) == 64
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    practice = make_case(is_practice=True)
    for ref in ("CASE-999999", "nonsense", practice.reference, "9" * 40):
        response = client.get(f"/api/cases/{ref}", **auth)
        assert response.status_code == 404, ref
        assert response.json()["errors"][0]["field"] is None
