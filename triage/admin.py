"""Admin for team leads: the Module 2 knowledge is edited here; cases are read-mostly."""

from django.contrib import admin
from django.db import transaction
from django.db.models import Max
from simple_history.admin import SimpleHistoryAdmin

from triage.models import (
    Case,
    CaseChecklistItem,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    CollectItem,
    EscalationCriterion,
    Evidence,
    Scenario,
    TimelineEvent,
)


class VersionInline(admin.TabularInline):
    model = ChecklistTemplateVersion
    fields = ("number", "change_note", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "order", "latest_version")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [VersionInline]

    @admin.display(description="Latest version")
    def latest_version(self, obj):
        version = obj.current_version()
        return f"v{version.number}" if version else "—"


class ItemInline(admin.StackedInline):
    model = ChecklistItem
    fields = ("order", "key", "title", "guidance", "check_ids")
    extra = 0


@admin.register(ChecklistTemplateVersion)
class ChecklistTemplateVersionAdmin(admin.ModelAdmin):
    """Saving changes never edits a version in place: it creates the next version.

    Cases keep pointing at the items of the version they were opened with.
    """

    list_display = ("template", "number", "change_note", "created_at", "created_by")
    list_filter = ("template",)
    fields = ("template", "change_note", "number", "created_at", "created_by")
    readonly_fields = ("number", "created_at", "created_by")
    inlines = [ItemInline]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("template",) if obj else ())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.number = self._next_number(obj.template)
            obj.created_by = request.user
            obj.save()
        # Changes are saved as a new version in save_related, once the items are known.

    def save_related(self, request, form, formsets, change):
        if not change:
            return super().save_related(request, form, formsets, change)
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not (form.has_changed() or any(fs.has_changed() for fs in formsets)):
            return None
        with transaction.atomic():
            version = form.instance
            version.pk = None
            version._state.adding = True
            version.number = self._next_number(version.template)
            version.created_by = request.user
            version.save()
            for formset in formsets:
                for item_form in formset.forms:
                    data = getattr(item_form, "cleaned_data", None)
                    if not data or data.get("DELETE"):
                        continue
                    if item_form.instance.pk is None and not item_form.has_changed():
                        continue
                    item = item_form.instance
                    item.pk = None
                    item._state.adding = True
                    item.version = version
                    item.save()
                    formset.new_objects.append(item)
        return None

    @staticmethod
    def _next_number(template) -> int:
        latest = template.versions.aggregate(n=Max("number"))["n"] or 0
        return latest + 1


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "order")
    filter_horizontal = ("recommended_checklists",)
    prepopulated_fields = {"slug": ("title",)}


@admin.register(CollectItem)
class CollectItemAdmin(admin.ModelAdmin):
    list_display = ("label", "key", "applies_to", "case_field", "order")
    list_editable = ("order",)


@admin.register(EscalationCriterion)
class EscalationCriterionAdmin(admin.ModelAdmin):
    list_display = ("title", "key", "order")
    list_editable = ("order",)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "subject", "scenario", "status", "priority", "assignee")
    list_filter = ("status", "scenario", "priority", "environment", "is_practice")
    search_fields = ("subject", "external_ticket", "key_prefix")
    list_select_related = ("scenario", "assignee")
    # Status changes go through the workflow; the key prefix only through the redactor.
    readonly_fields = ("status", "key_prefix", "created_by", "created_at", "updated_at")


@admin.register(CaseChecklistItem)
class CaseChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ("case", "item", "state", "set_by", "set_by_diagnostic", "set_at")
    list_select_related = ("case", "item", "set_by")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "case", "kind", "source", "status_code", "created_at")
    list_select_related = ("case",)


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "actor", "summary", "at")
    list_select_related = ("case", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
