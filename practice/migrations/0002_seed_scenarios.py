"""Seed the practice library from practice/library/ (leads edit the rows afterwards)."""

from django.db import migrations


def seed(apps, schema_editor):
    from practice.library import SCENARIOS

    Practice = apps.get_model("practice", "PracticeScenario")
    Scenario = apps.get_model("triage", "Scenario")
    Template = apps.get_model("triage", "ChecklistTemplate")
    Criterion = apps.get_model("triage", "EscalationCriterion")
    for position, data in enumerate(SCENARIOS, start=1):
        criterion = data.get("escalation_criterion")
        row, _ = Practice.objects.update_or_create(
            slug=data["slug"],
            defaults={
                "title": data["title"],
                "scenario": Scenario.objects.get(slug=data["scenario"]),
                "ticket_text": data["ticket_text"],
                "setup": data["setup"],
                "diagnostic_checks": data["diagnostic_checks"],
                "expected_codes": data["expected_codes"],
                "expected_decision": data["expected_decision"],
                "escalation_criterion": Criterion.objects.get(key=criterion) if criterion else None,
                "teaching_notes": data["teaching_notes"],
                "target_minutes": data.get("target_minutes", 15),
                "position": position,
            },
        )
        row.checklists.set(Template.objects.filter(slug__in=data["checklists"]))


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0001_initial"),
        ("triage", "0004_seed_knowledge"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
