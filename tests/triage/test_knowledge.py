"""The Module 2 knowledge seeded by migration, the roles' permissions, and versioned editing."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from triage.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    CollectItem,
    EscalationCriterion,
    Scenario,
)

pytestmark = pytest.mark.django_db

KNOWN_CHECKS = {
    "jwt.inspect", "jwt.clock_skew", "key.format", "key.permissions", "reach.rest",
    "reach.ws_market", "reach.ws_user", "balances", "orders.history", "rate_limit",
    "ws.market", "ws.user", "evidence.pagination", "evidence.rate_limit",
}


def test_four_checklists_with_eleven_items():
    counts = {
        t.title: ChecklistItem.objects.filter(version__template=t).count()
        for t in ChecklistTemplate.objects.all()
    }
    assert counts == {
        "Authentication": 3,
        "Orders & Balances": 3,
        "Rate Limits & Pagination": 2,
        "WebSocket": 3,
    }
    assert ChecklistItem.objects.count() == 11


def test_every_item_has_guidance_order_and_known_check_ids():
    for item in ChecklistItem.objects.all():
        assert len(item.guidance) > 80, item.key
        assert item.check_ids and set(item.check_ids) <= KNOWN_CHECKS, item.key
    used = {c for item in ChecklistItem.objects.all() for c in item.check_ids}
    assert used == KNOWN_CHECKS


def test_section_four_titles_are_the_items():
    titles = set(ChecklistItem.objects.values_list("title", flat=True))
    assert "Verify JWT claims/headers and clock skew" in titles
    assert "Reconnect with jitter; resubscribe on connect" in titles


def test_four_scenarios_plus_other_with_guidance_and_checklists():
    scenarios = {s.slug: s for s in Scenario.objects.all()}
    assert list(scenarios) == [
        "api-keys-not-working", "insufficient-funds", "pagination-confusion",
        "websocket-auth-rate-limits", "other",
    ]
    for slug, scenario in scenarios.items():
        assert scenario.guidance, slug
    recommended = {
        slug: [t.slug for t in s.recommended_checklists.order_by("order")]
        for slug, s in scenarios.items()
    }
    assert recommended["api-keys-not-working"] == ["authentication"]
    assert recommended["insufficient-funds"] == ["orders-balances"]
    assert recommended["websocket-auth-rate-limits"] == ["authentication", "websocket"]
    assert recommended["other"] == []


def test_three_escalation_criteria_and_the_collect_list():
    assert list(EscalationCriterion.objects.values_list("key", flat=True)) == [
        "auth_failures_valid_tokens",
        "order_status_or_widespread_subscription",
        "ws_instability_multi_developer",
    ]
    assert list(CollectItem.objects.values_list("key", flat=True)) == [
        "key_prefix", "portfolio_id", "product_pair", "rest_exchange", "correlation_ids",
        "timestamps", "ws_endpoint", "ws_channels", "jwt_issued_at", "ws_samples",
    ]
    assert CollectItem.objects.get(key="product_pair").case_field == "product_id"


def test_roles_have_their_permissions(agent, lead):
    assert lead.has_perm("triage.review_escalation")
    assert lead.has_perm("triage.view_dashboard")
    assert lead.has_perm("triage.change_checklistitem")
    assert not agent.has_perm("triage.review_escalation")
    assert agent.has_perm("triage.add_case") and agent.has_perm("triage.add_evidence")
    assert not agent.has_perm("triage.change_checklistitem")
    assert Group.objects.get(name="Team leads").permissions.filter(
        codename="review_escalation"
    ).exists()


def _version_post(version, **changes) -> dict:
    items = list(version.items.order_by("order"))
    data = {
        "change_note": changes.pop("change_note", "Clearer wording"),
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        check_ids = '["' + '", "'.join(item.check_ids) + '"]'
        data.update({
            f"items-{index}-id": str(item.pk),
            f"items-{index}-version": str(version.pk),
            f"items-{index}-order": str(item.order),
            f"items-{index}-key": item.key,
            f"items-{index}-title": item.title,
            f"items-{index}-guidance": item.guidance,
            f"items-{index}-check_ids": check_ids,
            # The admin page sends the initial value of fields with a callable default.
            f"initial-items-{index}-check_ids": check_ids,
        })
    data.update(changes)
    return data


def test_editing_a_template_in_the_admin_creates_a_new_version(client, lead, case):
    lead.is_staff = True
    lead.save()
    client.force_login(lead)
    version = ChecklistTemplateVersion.objects.get(template__slug="authentication")
    url = reverse("admin:triage_checklisttemplateversion_change", args=[version.pk])
    assert client.get(url).status_code == 200
    data = _version_post(version, **{"items-1-guidance": "Decode the JWT; check kid and uri."})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    versions = ChecklistTemplateVersion.objects.filter(template__slug="authentication")
    assert list(versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    new = versions.get(number=2)
    assert new.created_by == lead
    assert new.items.count() == 3
    assert new.items.get(key="auth-jwt-claims").guidance == "Decode the JWT; check kid and uri."
    old_item = version.items.get(key="auth-jwt-claims")
    assert old_item.guidance.startswith("Decode the token")
    assert set(case.checklist_items.values_list("item__version", flat=True)) == {version.pk}


def test_saving_an_unchanged_version_creates_nothing(client, lead):
    lead.is_staff = True
    lead.save()
    client.force_login(lead)
    version = ChecklistTemplateVersion.objects.get(template__slug="websocket")
    url = reverse("admin:triage_checklisttemplateversion_change", args=[version.pk])
    data = _version_post(version, change_note=version.change_note)
    assert client.post(url, data).status_code == 302
    assert ChecklistTemplateVersion.objects.filter(template__slug="websocket").count() == 1
