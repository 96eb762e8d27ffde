"""Demo seeding: realistic cases, created once, with nothing secret stored."""

import io

import pytest
from django.core.management import call_command

from triage.models import Case, Evidence
from triage.selectors import case_collected

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_cases_once(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first, second = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)
    assert Case.objects.filter(external_ticket__startswith="DEMO-").count() == 3
    assert "demo cases: CASE-" in first.getvalue()
    assert "demo cases" not in second.getvalue()
    keys = Case.objects.get(external_ticket="DEMO-1001")
    assert keys.key_prefix == "9f8e7d6c"
    assert case_collected(case=keys) == {
        "key_prefix": True, "portfolio_id": False, "product_pair": True,
    }
    evidence = Evidence.objects.get(case=keys)
    assert "MEUCIQDdemoSignature" not in evidence.raw
    assert evidence.correlation_ids[0]["name"] == "x-request-id"
