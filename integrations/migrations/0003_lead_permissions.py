"""Team leads edit the error-signature library and reply templates; agents read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT_PERMS = ["view_errorsignature", "view_replytemplate"]
LEAD_EXTRA = [
    "add_errorsignature", "change_errorsignature",
    "add_replytemplate", "change_replytemplate",
    "view_signaturematch", "view_webhookendpoint", "change_webhookendpoint",
    "view_webhookdelivery", "view_integrationtoken", "change_integrationtoken",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("integrations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="integrations")
    agents, _ = Group.objects.get_or_create(name="Agents")
    leads, _ = Group.objects.get_or_create(name="Team leads")
    agents.permissions.add(*perms.filter(codename__in=AGENT_PERMS))
    leads.permissions.add(*perms.filter(codename__in=AGENT_PERMS + LEAD_EXTRA))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=["Agents", "Team leads"]):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="integrations")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_seed_library"),
        ("triage", "0003_role_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
