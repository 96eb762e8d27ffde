"""The JSON API for help desks and other tools, mounted at /api/ (schema: /api/openapi.json).

Every call carries `Authorization: Bearer <token>`; a token's scopes decide what it may
do. Errors are JSON: `{"errors": [{"field": "<dotted path or null>", "message": "..."}]}`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security.http import HttpAuthBase

from integrations import api_schemas as s
from integrations import api_services
from integrations.models import IntegrationToken
from integrations.services import integration_token_authenticate

Scope = IntegrationToken.Scope


class TokenAuth(HttpAuthBase):
    """Bearer token auth that never logs the presented value."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest):
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None
        token = integration_token_authenticate(plain=value.strip())
        if token is not None:
            request.integration_token = token
        return token


api = NinjaAPI(
    title="Triage API",
    version="1.0",
    description="Create cases from a help desk, add evidence, read findings and escalation "
    "packets. Authenticate with `Authorization: Bearer <token>`.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url=None,
)


def _errors(status: int, errors: list[dict], **headers) -> HttpResponse:
    response = api.create_response(None, {"errors": errors}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "payload", "query")]
        errors.append({"field": ".".join(loc) or None, "message": error.get("msg", "Invalid.")})
    return _errors(422, errors)


@api.exception_handler(DjangoValidationError)
def _invalid_service(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = [{"field": None if f == "__all__" else f, "message": m}
                  for f, messages in exc.message_dict.items() for m in messages]
    else:
        errors = [{"field": None, "message": m} for m in exc.messages]
    return _errors(422, errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _errors(401, [{"field": None, "message": "Send a valid, unrevoked API token as "
                          "'Authorization: Bearer <token>'."}], **{"WWW-Authenticate": "Bearer"})


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _errors(exc.status_code, [{"field": None, "message": str(exc)}])


def _need(request, scope: str) -> None:
    token: IntegrationToken = request.auth
    if scope not in token.scopes:
        raise HttpError(403, f"This token lacks the '{scope}' scope.")


NOT_FOUND = {404: s.ErrorsOut}
COMMON = {400: s.ErrorsOut, 401: s.ErrorsOut, 403: s.ErrorsOut, 422: s.ErrorsOut}


@api.post("/cases", response={201: s.CaseOut, **COMMON}, tags=["cases"],
          summary="Create a case from a help-desk ticket")
def case_create(request, payload: s.CaseCreateIn):
    _need(request, Scope.CASES_WRITE)
    case = api_services.api_case_create(data=payload, token=request.auth)
    return Status(201, api_services.case_out(case=case, request=request))


@api.get("/cases/{reference}", response={200: s.CaseOut, **COMMON, **NOT_FOUND},
         tags=["cases"], summary="Read a case's status and findings")
def case_read(request, reference: str):
    _need(request, Scope.CASES_READ)
    case = api_services.case_for_api(reference=reference)
    return Status(200, api_services.case_out(case=case, request=request))


@api.post("/cases/{reference}/evidence", response={201: s.EvidenceOut, **COMMON, **NOT_FOUND},
          tags=["evidence"], summary="Add evidence (a pasted exchange, HAR file or log)")
def evidence_create(request, reference: str, payload: s.EvidenceIn):
    _need(request, Scope.EVIDENCE_WRITE)
    case = api_services.case_for_api(reference=reference)
    evidence = api_services.api_evidence_add(case=case, data=payload, token=request.auth)
    return Status(201, evidence)


@api.get("/cases/{reference}/packets", response={200: list[s.PacketSummaryOut], **COMMON,
                                                 **NOT_FOUND},
         tags=["escalations"], summary="List a case's escalation packets")
def packet_list(request, reference: str):
    _need(request, Scope.PACKETS_READ)
    case = api_services.case_for_api(reference=reference)
    return Status(200, api_services.packet_summaries(case=case))


@api.get("/packets/{packet_id}", response={200: s.PacketOut, **COMMON, **NOT_FOUND},
         tags=["escalations"], summary="Fetch one escalation packet")
def packet_read(request, packet_id: int):
    _need(request, Scope.PACKETS_READ)
    return Status(200, api_services.packet_get(packet_id=packet_id))
