import pytest
from django.core.exceptions import ValidationError

from practice.models import PracticeScenario
from triage.models import ChecklistTemplate, EscalationCriterion, Scenario

pytestmark = pytest.mark.django_db


def test_library_is_seeded_with_at_least_twelve_valid_scenarios():
    scenarios = list(PracticeScenario.objects.prefetch_related("checklists"))
    assert len(scenarios) >= 12
    for scenario in scenarios:
        scenario.full_clean()


def test_library_covers_every_module_scenario_checklist_and_criterion():
    rows = PracticeScenario.objects.all()
    module = set(Scenario.objects.exclude(slug="other").values_list("slug", flat=True))
    assert set(rows.values_list("scenario__slug", flat=True)) == module
    checklists = set(ChecklistTemplate.objects.values_list("slug", flat=True))
    assert set(rows.values_list("checklists__slug", flat=True)) == checklists
    criteria = set(EscalationCriterion.objects.values_list("key", flat=True))
    assert set(rows.exclude(escalation_criterion=None)
               .values_list("escalation_criterion__key", flat=True)) == criteria
    assert rows.filter(expected_decision="resolve").exists()


def test_fail_setup_error_is_reported_on_the_setup_field():
    scenario = PracticeScenario.objects.first()
    scenario.setup = {"faults": {"latency_ms": "slow"}}
    with pytest.raises(ValidationError) as info:
        scenario.full_clean()
    assert "faults.latency_ms" in info.value.message_dict["setup"][0]


def test_fail_escalation_without_criterion_and_resolve_with_one():
    scenario = PracticeScenario.objects.filter(expected_decision="escalate").first()
    scenario.escalation_criterion = None
    with pytest.raises(ValidationError) as info:
        scenario.full_clean()
    assert "escalation_criterion" in info.value.message_dict
    scenario = PracticeScenario.objects.filter(expected_decision="resolve").first()
    scenario.escalation_criterion = EscalationCriterion.objects.first()
    with pytest.raises(ValidationError) as info:
        scenario.full_clean()
    assert "escalation_criterion" in info.value.message_dict


def test_fail_expected_codes_must_be_a_non_empty_list_of_strings():
    scenario = PracticeScenario.objects.first()
    scenario.expected_codes = []
    with pytest.raises(ValidationError) as info:
        scenario.full_clean()
    assert "expected_codes" in info.value.message_dict
    scenario.expected_codes = "JWT_EXPIRED"
    with pytest.raises(ValidationError):
        scenario.full_clean()


def test_leads_may_edit_the_library_and_agents_may_not(lead, agent):
    assert lead.has_perm("practice.change_practicescenario")
    assert lead.has_perm("practice.add_practicescenario")
    assert not agent.has_perm("practice.change_practicescenario")


def test_admin_edit_form_reports_a_bad_setup_next_to_the_field(client):
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root", password="pw-root-123!")
    client.force_login(admin)
    scenario = PracticeScenario.objects.get(slug="funds-on-hold")
    url = f"/admin/practice/practicescenario/{scenario.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({
        "scenario": scenario.scenario_id,
        "checklists": [c.pk for c in scenario.checklists.all()],
        "setup": '{"balances": {"USD": "lots"}}',
        "diagnostic_checks": '["balances"]',
        "expected_codes": '["FUNDS_ON_HOLD"]',
        "escalation_criterion": "",
    })
    response = client.post(url, data)
    assert response.status_code == 200
    assert "balances.USD" in response.content.decode()
    scenario.refresh_from_db()
    assert scenario.setup["balances"]["USD"] == "1000"
