"""Give the two roles their permissions.

Agents work cases; team leads also review escalations, see the dashboard and edit the
Module 2 knowledge in the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT_PERMS = [
    "view_case", "add_case", "change_case",
    "view_casechecklistitem", "change_casechecklistitem",
    "view_evidence", "add_evidence",
    "view_timelineevent", "add_timelineevent",
    "view_checklisttemplate", "view_checklisttemplateversion", "view_checklistitem",
    "view_scenario", "view_collectitem", "view_escalationcriterion",
]
LEAD_EXTRA = [
    "review_escalation", "view_dashboard",
    "change_checklisttemplate", "add_checklisttemplate",
    "change_checklisttemplateversion", "add_checklisttemplateversion",
    "change_checklistitem", "add_checklistitem", "delete_checklistitem",
    "change_scenario", "add_scenario",
    "change_collectitem", "add_collectitem",
    "change_escalationcriterion", "add_escalationcriterion",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("triage")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="triage")
    agents, _ = Group.objects.get_or_create(name="Agents")
    leads, _ = Group.objects.get_or_create(name="Team leads")
    agents.permissions.add(*perms.filter(codename__in=AGENT_PERMS))
    leads.permissions.add(*perms.filter(codename__in=AGENT_PERMS + LEAD_EXTRA))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=["Agents", "Team leads"]):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="triage"))


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0002_models"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
