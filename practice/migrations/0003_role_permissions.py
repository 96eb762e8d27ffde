"""Team leads edit the practice library in the admin and can look at attempts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEAD_PERMS = [
    "view_practicescenario", "add_practicescenario", "change_practicescenario",
    "view_practiceattempt",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("practice")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    leads, _ = Group.objects.get_or_create(name="Team leads")
    leads.permissions.add(
        *Permission.objects.filter(content_type__app_label="practice", codename__in=LEAD_PERMS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Team leads"):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="practice"))


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_seed_scenarios"),
        ("triage", "0003_role_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
