"""Schemathesis drives every documented operation of the live API: never a 5xx, and every
answer is documented (status code, content type and body shape)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from integrations.models import IntegrationToken
from integrations.services import integration_token_create

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.mark.timeout(240)
def test_every_operation_without_server_errors(live_server, case):
    _, plain = integration_token_create(name="schemathesis",
                                        scopes=list(IntegrationToken.Scope.values))
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    headers = {"Authorization": f"Bearer {plain}"}
    statuses: list[int] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(generated=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=15, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(generated):
                response = generated.call_and_validate(
                    base_url=live_server.url, headers=headers, checks=CHECKS
                )
                statuses.append(response.status_code)

            run()
    assert len(statuses) >= 5 * 2 * 5
    assert {201, 404, 422} <= set(statuses), sorted(set(statuses))
    read = next(op for op in operations if op.method == "get" and op.path == "/api/cases/"
                "{reference}")
    response = read.Case(path_parameters={"reference": case.reference}).call_and_validate(
        base_url=live_server.url, headers=headers, checks=CHECKS
    )
    assert response.status_code == 200
