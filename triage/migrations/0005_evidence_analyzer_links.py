"""Link the Rate Limits & Pagination items to the evidence analyzers, so a replayed log
proposes their states just as a live diagnostic does."""

from django.db import migrations

LINKS = {"rate-429-backoff": "evidence.rate_limit", "rate-cursors": "evidence.pagination"}


def link(apps, schema_editor):
    ChecklistItem = apps.get_model("triage", "ChecklistItem")
    for item in ChecklistItem.objects.filter(key__in=LINKS):
        if LINKS[item.key] not in item.check_ids:
            item.check_ids = [*item.check_ids, LINKS[item.key]]
            item.save(update_fields=["check_ids"])


def unlink(apps, schema_editor):
    ChecklistItem = apps.get_model("triage", "ChecklistItem")
    for item in ChecklistItem.objects.filter(key__in=LINKS):
        item.check_ids = [c for c in item.check_ids if c != LINKS[item.key]]
        item.save(update_fields=["check_ids"])


class Migration(migrations.Migration):
    dependencies = [("triage", "0004_seed_knowledge")]
    operations = [migrations.RunPython(link, unlink)]
